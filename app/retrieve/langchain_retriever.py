"""HybridRetriever as a LangChain `BaseRetriever`: kept apart so that a search imports no LangChain runnables (they
pull in langsmith, about 0.7 s of a cold `newsdesk ask`, issue 18)."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from app.models import Passage, SearchFilters


def passage_to_document(p: Passage) -> Document:
    return Document(id=p.chunk_id, page_content=p.text, metadata=p.model_dump(mode="json", exclude={"text"}))


class NewsdeskRetriever(BaseRetriever):
    """LangChain adapter over HybridRetriever."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    hybrid: Any
    k: int = 6
    filters: SearchFilters | None = None

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [passage_to_document(p) for p in self.hybrid.search(query, k=self.k, filters=self.filters)]
