"""Order of build steps from their dependencies."""


def build_order(deps):
    """Each step after the steps it depends on; deps maps step -> list of steps."""
    done = set()
    order = []

    def visit(step):
        if step in done:
            return
        for dep in deps.get(step, []):
            visit(dep)
        done.add(step)
        order.append(step)

    for step in sorted(deps):
        visit(step)
    return order
