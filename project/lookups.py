"""`icontains` that ignores case on every database.

Names are case-sensitive as in Glance, so MariaDB tables use a binary
collation; its LIKE then compares case too, and Django's icontains (plain
LIKE on MySQL) would silently become case-sensitive (admin search, filters).
"""
from django.db.models import CharField, TextField
from django.db.models.lookups import IContains


class CaseInsensitiveContains(IContains):
    def as_mysql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"LOWER({lhs}) LIKE LOWER({rhs})", (*lhs_params, *rhs_params)


def register():
    for field in (CharField, TextField):
        field.register_lookup(CaseInsensitiveContains)
