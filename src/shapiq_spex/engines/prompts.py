"""Prompt pieces shared by the numpy LLM scorers and the ``transformers`` adapters.

Kept outside :mod:`shapiq_spex.engines.numpy` and :mod:`shapiq_spex.engines.torch` so that
both (and :mod:`shapiq_spex.games`) can import them without the engines' optional dependencies.
"""

from __future__ import annotations

__all__ = [
    "ANSWER_USER_TEMPLATE",
    "DEFAULT_ANSWER_SYSTEM",
    "DEFAULT_SENTIMENT_TEMPLATE",
    "split_template",
]

DEFAULT_ANSWER_SYSTEM = (
    "Answer the question using the documents. Reply with the answer only, in a few words."
)
"""System message of the default question-answering prompts."""

ANSWER_USER_TEMPLATE = "Documents:\n{text}\n\nQuestion: {question}"
"""User message of the default question-answering prompts (``{text}``: the documents)."""


def split_template(template: str, placeholder: str = "{text}") -> tuple[str, str]:
    """Split a prompt template at its one placeholder into a cacheable head and a tail.

    Whitespace that ends the head is moved to the tail (``"Review: {text}"`` gives
    ``("Review:", " ")``), so that a text inserted at the placeholder is tokenized with its
    leading space the way it would be inside the whole prompt.

    Args:
        template: A prompt containing ``placeholder`` exactly once.
        placeholder: The placeholder.

    Returns:
        ``(head, tail)``: ``head`` has no placeholder and no trailing whitespace, ``tail``
        still holds the placeholder, and ``head + tail == template``.

    Raises:
        ValueError: The placeholder does not occur exactly once.
    """
    if not isinstance(template, str) or template.count(placeholder) != 1:
        msg = f"template must contain {placeholder!r} exactly once."
        raise ValueError(msg)
    head, tail = template.split(placeholder)
    stripped = head.rstrip()
    return stripped, head[len(stripped) :] + placeholder + tail


DEFAULT_SENTIMENT_TEMPLATE = (
    "Classify the sentiment of each movie review as positive or negative.\n\n"
    "Review: An absolute delight, with a clever story and wonderful acting.\n"
    "Sentiment: positive\n\n"
    "Review: Boring, predictable and far too long. I want my money back.\n"
    "Sentiment: negative\n\n"
    "Review: I loved every minute of it and would happily watch it again.\n"
    "Sentiment: positive\n\n"
    "Review: The plot made no sense and the jokes fell flat.\n"
    "Sentiment: negative\n\n"
    "Review: {text}\n"
    "Sentiment:"
)
"""Few-shot sentiment prompt of the LLM sentiment scorers; the review goes at ``{text}``."""
