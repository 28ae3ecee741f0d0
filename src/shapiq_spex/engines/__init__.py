"""Model engines: the language models and scorers behind the text and model-component games.

* :mod:`shapiq_spex.engines.base`: the :class:`~shapiq_spex.engines.base.Engine` protocol
  (tokenize, continuation log-probabilities, next-token distribution, head masks), its shared
  scoring code and the :class:`~shapiq_spex.engines.base.PrefixCache`.
* :mod:`shapiq_spex.engines.scorers`: the text scorers, written once for any engine
  (:class:`~shapiq_spex.engines.scorers.SentimentScorer`,
  :class:`~shapiq_spex.engines.scorers.AnswerScorer`).
* :mod:`shapiq_spex.engines.numpy`: SmolLM2-135M-Instruct run offline in numpy from a GGUF file,
  and the scorers under their numpy names (needs the ``llm`` extra).
* :mod:`shapiq_spex.engines.torch`: the user's own Hugging Face ``transformers`` models as an
  engine, and the scorers under their ``Transformers*`` names (needs the ``transformers``
  extra; torch is imported only when an engine is built).
* :mod:`shapiq_spex.engines.prompts` and :mod:`shapiq_spex.engines.segments`: prompt pieces and
  the segmented masked text, free of the engines' optional dependencies.

Importing this package imports neither engine.
"""
