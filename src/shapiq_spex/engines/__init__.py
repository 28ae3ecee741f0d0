"""Model engines: the language models and scorers behind the text and model-component games.

* :mod:`shapiq_spex.engines.numpy`: SmolLM2-135M-Instruct run offline in numpy from a GGUF file,
  with its text scorers (needs the ``llm`` extra).
* :mod:`shapiq_spex.engines.torch`: adapters for the user's own Hugging Face ``transformers``
  models (needs the ``transformers`` extra; torch is imported only when an adapter is built).
* :mod:`shapiq_spex.engines.prompts` and :mod:`shapiq_spex.engines.segments`: prompt pieces and
  the segmented masked text, shared by both engines and free of their optional dependencies.

Importing this package imports neither engine.
"""
