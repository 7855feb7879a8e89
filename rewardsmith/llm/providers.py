"""Which transport a model name asks for: the ``openai`` SDK, or litellm for other providers.

A model name such as ``anthropic/claude-sonnet-4-5`` or ``bedrock/anthropic.claude-3-haiku``
names a provider that litellm reaches with that provider's own API and keys; a bare name
(``gpt-4o-mini``) or a Hugging Face id served by vLLM (``Qwen/Qwen2.5-7B-Instruct``) goes to an
OpenAI-compatible endpoint through the ``openai`` SDK, as before.

The provider names are a snapshot of litellm's own ``litellm.provider_list`` (1.76.1, the pinned
extra), kept here so the choice, and the "install the extra" message, need no import of
litellm: it takes about two seconds to import and is not installed by default. A test checks
the snapshot against the installed litellm.
"""

from __future__ import annotations

import importlib.util
from typing import Literal

Backend = Literal["openai", "litellm"]

INSTALL_HINT = 'pip install "rewardsmith[litellm]"'

# litellm 1.76.1's provider_list. "openai" is one of them, but an "openai/..." name stays on the
# openai path unless litellm is asked for: OpenRouter and vLLM serve models named that way.
LITELLM_PROVIDERS = frozenset({
    "ai21", "ai21_chat", "aiml", "aiohttp_openai", "anthropic", "anthropic_text", "assemblyai",
    "auto_router", "azure", "azure_ai", "azure_text", "baseten", "bedrock", "bytez", "cerebras",
    "clarifai", "cloudflare", "codestral", "cohere", "cohere_chat", "cometapi", "custom",
    "custom_openai", "dashscope", "databricks", "datarobot", "deepgram", "deepinfra", "deepseek",
    "dotprompt", "elevenlabs", "empower", "featherless_ai", "fireworks_ai", "friendliai",
    "galadriel", "gemini", "github", "github_copilot", "gradient_ai", "groq", "hosted_vllm",
    "huggingface", "humanloop", "hyperbolic", "infinity", "jina_ai", "lambda_ai", "langfuse",
    "litellm_proxy", "llamafile", "lm_studio", "maritalk", "meta_llama", "mistral", "moonshot",
    "morph", "nebius", "nlp_cloud", "novita", "nscale", "nvidia_nim", "oci", "ollama",
    "ollama_chat", "oobabooga", "openai", "openai_like", "openrouter", "perplexity", "petals",
    "pg_vector", "predibase", "recraft", "replicate", "sagemaker", "sagemaker_chat", "sambanova",
    "snowflake", "text-completion-codestral", "text-completion-openai", "together_ai", "topaz",
    "triton", "v0", "vercel_ai_gateway", "vertex_ai", "vertex_ai_beta", "vllm", "volcengine",
    "voyage", "watsonx", "watsonx_text", "xai", "xinference",
})
OPENAI_PROVIDER = "openai"


def provider_of(model: str) -> str | None:
    """The litellm provider a model name starts with (``"anthropic"``), or None if none."""
    prefix, sep, rest = model.partition("/")
    return prefix if sep and rest and prefix in LITELLM_PROVIDERS else None


def needs_litellm(model: str) -> bool:
    """True when ``model`` names a provider that only litellm reaches (not ``openai/...``)."""
    provider = provider_of(model)
    return provider is not None and provider != OPENAI_PROVIDER


def litellm_installed() -> bool:
    """Whether ``import litellm`` can work, without importing it (that takes seconds)."""
    try:
        return importlib.util.find_spec("litellm") is not None
    except (ImportError, ValueError):  # a broken or half-removed install
        return False
