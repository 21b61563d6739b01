"""The Store: one database file and a repository per concept."""

from __future__ import annotations

from pathlib import Path

from store.datasets import DatasetRepo
from store.db import open_db
from store.distills import DistillRepo
from store.evals import EvalRepo
from store.files import DeploymentRepo, FileRepo, ModelRepo
from store.jobs import JobRepo
from store.loops import LoopRepo
from store.optimizations import OptimizationRepo
from store.prompts import PromptRepo


class Store:
    """Open it once per thread: a connection belongs to the thread that uses it."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.db = open_db(self.path)
        self.datasets = DatasetRepo(self.db)
        self.prompts = PromptRepo(self.db)
        self.evals = EvalRepo(self.db)
        self.files = FileRepo(self.db)
        self.models = ModelRepo(self.db)
        self.jobs = JobRepo(self.db)
        self.loops = LoopRepo(self.db)
        self.deployments = DeploymentRepo(self.db)
        self.distills = DistillRepo(self.db)
        self.optimizations = OptimizationRepo(self.db)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
