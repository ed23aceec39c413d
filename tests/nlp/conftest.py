from pathlib import Path

import pytest

from nlp.model import DEFAULT_MODEL_DIR, NlpModel


@pytest.fixture(scope="session")
def model() -> NlpModel:
    """The built model: `make test` builds it first (`make model`)."""
    return NlpModel.load(DEFAULT_MODEL_DIR)


@pytest.fixture(scope="session")
def model_dir() -> Path:
    return DEFAULT_MODEL_DIR
