"""The LLM designer: Eureka-style K samples of one prompt, code extracted with ``ast``."""

from __future__ import annotations

from typing import Any

from rewardsmith.contract.fitness import FITNESS_ENTRY
from rewardsmith.designers.base import DesignRequest, Draft, FitnessRequest, dedupe
from rewardsmith.designers.code_extraction import CodeExtractionError, extract_python_code
from rewardsmith.templates import render_template


class LLMDesigner:
    """Eureka-style designer: K samples of one prompt, code extracted with ``ast``."""

    uses_llm = True

    def __init__(self, client: Any, temperature: float = 1.0):
        self.client = client
        self.temperature = temperature
        self.label = f"LLM designer ({client.config.model} at {client.config.endpoint()})"

    def _messages(self, request: DesignRequest) -> list[dict[str, str]]:
        feedback = request.feedback  # a refinement's sentence is already in its feedback text
        user = render_template("designer_task.md.j2", env_description=request.description.render(),
                               task_text=request.task_text, sample_hint="",
                               history_summary=request.history_summary, feedback=feedback,
                               env_note=request.env_note)
        return [{"role": "system", "content": render_template("designer_system.md.j2")},
                {"role": "user", "content": user}]

    def propose(self, request: DesignRequest) -> list[Draft]:
        reply = self.client.chat(self._messages(request), n=request.k,
                                 temperature=self.temperature, purpose="designer",
                                 sample_key=f"iter{request.iteration}")
        return dedupe([_draft(text) for text in reply.texts[:request.k]])

    def repair(self, draft: Draft, error: str, request: DesignRequest, attempt: int,
               key: str) -> Draft | None:
        messages = self._messages(request)
        if draft.reply:
            messages.append({"role": "assistant", "content": draft.reply})
        messages.append({"role": "user", "content": render_template(
            "repair.md.j2", error=error, source=draft.source or "")})  # the reply is above
        reply = self.client.chat(messages, n=1, temperature=self.temperature, purpose="repair",
                                 sample_key=f"{key}/repair{attempt}")
        return _draft(reply.texts[0])


    def _fitness_messages(self, request: FitnessRequest) -> list[dict[str, str]]:
        user = render_template("fitness_task.md.j2",
                               env_description=request.description.render(),
                               task_text=request.task_text, env_note=request.env_note)
        return [{"role": "system", "content": render_template("fitness_system.md.j2")},
                {"role": "user", "content": user}]

    def write_fitness(self, request: FitnessRequest) -> Draft:
        """The success measure, written once before any reward (one sample, low temperature)."""
        reply = self.client.chat(self._fitness_messages(request), n=1, temperature=0.2,
                                 purpose="fitness", sample_key="fitness")
        return _draft(reply.texts[0], FITNESS_ENTRY)

    def repair_fitness(self, draft: Draft, error: str, request: FitnessRequest,
                       attempt: int) -> Draft | None:
        messages = self._fitness_messages(request)
        if draft.reply:
            messages.append({"role": "assistant", "content": draft.reply})
        messages.append({"role": "user", "content": render_template("fitness_repair.md.j2",
                                                                    error=error)})
        reply = self.client.chat(messages, n=1, temperature=0.2, purpose="fitness",
                                 sample_key=f"fitness/repair{attempt}")
        return _draft(reply.texts[0], FITNESS_ENTRY)


def _draft(text: str, function_name: str = "compute_reward") -> Draft:
    try:
        return Draft(extract_python_code(text, function_name), reply=text)
    except CodeExtractionError as e:
        return Draft(None, reply=text, error=str(e))
