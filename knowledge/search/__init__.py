"""Search: embeddings, the index (FAISS + BM25 + manifest), ranking, the answer decision, evaluation."""
from knowledge.search.index import IndexProblem
from knowledge.search.ranking import (
                                      DEFAULT_PARAMS,
                                      Hit,
                                      Searcher,
                                      SearchResult,
                                      default_searcher,
                                      ensure_index,
                                      load_calibration,
                                      open_searcher,
)

__all__ = ["DEFAULT_PARAMS", "Hit", "IndexProblem", "SearchResult", "Searcher", "default_searcher", "ensure_index",
           "load_calibration", "open_searcher"]
