"""``field__in_array=<query>``: the field is one of the keys a subquery finds, as PostgreSQL's
``field = ANY(ARRAY(subquery))``; elsewhere (SQLite) a plain ``IN (subquery)``.

Why not ``__in``: PostgreSQL plans ``IN (subquery)`` as a semi-join, and a list page joins a dozen
tables (its ``select_related``); past ``join_collapse_limit`` (8) the planner keeps the joins in the
order written, the semi-join last, so it joins every row of the table before keeping the few the
user may see (a cadre's service records: 550 ms at national scale). ``ANY(ARRAY(subquery))`` is
computed once, before the scan, and becomes an index condition on the table itself (1 ms).
"""

from django.db.models import Field, ForeignObject, Lookup


class InArray(Lookup):
    lookup_name = "in_array"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} IN {rhs}", (*lhs_params, *rhs_params)

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY(ARRAY{rhs})", (*lhs_params, *rhs_params)


def register() -> None:
    Field.register_lookup(InArray)
    ForeignObject.register_lookup(InArray)  # related fields keep lookups of their own
