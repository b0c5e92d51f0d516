# Image data written by these tests goes to a temporary directory, as in tests/images.
from tests.images.conftest import store_dir  # noqa: F401  (an autouse fixture)
