import time
from tests.api.test_isolation_sweep import world, clean_tables, GQL, execute, dumps, fill, slots, query_operations  # noqa

async def test_prof(world):
    seed = world.seed
    for depth in (2, 3, 4):
        tot = 0
        for op in query_operations(GQL, depth):
            variables = fill(op.variables, seed, ["victim"] * len(slots(op.variables)))
            t = time.perf_counter()
            r = await execute(seed, "owner", op, variables)
            dt = time.perf_counter() - t
            tot += dt
            print(depth, op.name, len(op.document), len(dumps(r)), round(dt, 3))
        print("total", depth, tot)
    assert 0
