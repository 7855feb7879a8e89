"""Test helpers that ship with the package, so users' own tests can use them too."""

from rewardsmith.testing.fake_openai import FakeOpenAIServer, ReceivedRequest, Rule

__all__ = ["FakeOpenAIServer", "ReceivedRequest", "Rule"]
