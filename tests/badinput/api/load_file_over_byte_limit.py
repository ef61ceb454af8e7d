# field: quickstart.toml
# error: bytes, over the limit of 10; raise it with --max-file-bytes
from scenarios import Limits, load_scenario


def case() -> object:
    return load_scenario("quickstart", limits=Limits(file_bytes=10))
