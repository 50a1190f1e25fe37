"""Find the passages most similar to a question: a LangChain retriever over our store."""

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from newsqa.index.embed import Embedder
from newsqa.index.store import PassageStore


class NewsRetriever(BaseRetriever):
    """Top-k passages by cosine similarity; each Document's metadata holds the passage's
    ids, article metadata and `score`."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: PassageStore
    embedder: Embedder
    k: int = 5

    def _get_relevant_documents(self, query: str, *,
                                run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        hits = self.store.query(self.embedder.embed_query(query), self.k)
        return [
            Document(page_content=hit.text, id=hit.id, metadata={
                "chunk_id": hit.id, "article_id": hit.article_id, "title": hit.title,
                "source": hit.source, "url": hit.url, "published": hit.published,
                "position": hit.position, "start": hit.start, "end": hit.end,
                "score": hit.score,
            })
            for hit in hits
        ]
