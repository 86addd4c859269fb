import pytest

# assertions in the shared corpus helper explain themselves like those in the tests
pytest.register_assert_rewrite("tests.corpus")
