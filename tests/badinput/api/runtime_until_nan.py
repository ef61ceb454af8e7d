# field: until
# error: until must be a finite simulated time, got nan
from agents import Runtime


def case() -> object:
    return Runtime().run(until=float("nan"))
