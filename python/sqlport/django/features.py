"""Feature flags: Django's SQLite flags, with the SQLite version read from the
database sqlport talks to, and the few flags a remote connection changes."""

from django.db.backends.sqlite3 import features as sqlite_features
from django.utils.functional import cached_property


#: Django tests that need SQLite's math functions (sqrt, sin, power, ...),
#: which a remote server may lack (the reference server does; sqld has them).
MATH_TESTS = [
    "aggregation.test_filter_argument.FilteredAggregateTests.test_filtered_numerical_aggregates",
    "aggregation.tests.AggregateAnnotationPruningTests.test_referenced_group_by_annotation_kept",
    "aggregation.tests.AggregateTestCase.test_aggregation_default_expression",
    "aggregation.tests.AggregateTestCase.test_aggregation_default_integer",
    "aggregation.tests.AggregateTestCase.test_aggregation_default_unset",
    "aggregation.tests.AggregateTestCase.test_aggregation_default_using_decimal_from_database",
    "aggregation.tests.AggregateTestCase.test_aggregation_default_zero",
    "aggregation.tests.AggregateTestCase.test_order_by_aggregate_transform",
    "db_functions.math.test_acos.ACosTests.test_decimal",
    "db_functions.math.test_acos.ACosTests.test_float",
    "db_functions.math.test_acos.ACosTests.test_integer",
    "db_functions.math.test_acos.ACosTests.test_null",
    "db_functions.math.test_acos.ACosTests.test_transform",
    "db_functions.math.test_asin.ASinTests.test_decimal",
    "db_functions.math.test_asin.ASinTests.test_float",
    "db_functions.math.test_asin.ASinTests.test_integer",
    "db_functions.math.test_asin.ASinTests.test_null",
    "db_functions.math.test_asin.ASinTests.test_transform",
    "db_functions.math.test_atan.ATanTests.test_decimal",
    "db_functions.math.test_atan.ATanTests.test_float",
    "db_functions.math.test_atan.ATanTests.test_integer",
    "db_functions.math.test_atan.ATanTests.test_null",
    "db_functions.math.test_atan.ATanTests.test_transform",
    "db_functions.math.test_atan2.ATan2Tests.test_decimal",
    "db_functions.math.test_atan2.ATan2Tests.test_float",
    "db_functions.math.test_atan2.ATan2Tests.test_integer",
    "db_functions.math.test_atan2.ATan2Tests.test_null",
    "db_functions.math.test_cos.CosTests.test_decimal",
    "db_functions.math.test_cos.CosTests.test_float",
    "db_functions.math.test_cos.CosTests.test_integer",
    "db_functions.math.test_cos.CosTests.test_null",
    "db_functions.math.test_cos.CosTests.test_transform",
    "db_functions.math.test_cot.CotTests.test_decimal",
    "db_functions.math.test_cot.CotTests.test_float",
    "db_functions.math.test_cot.CotTests.test_integer",
    "db_functions.math.test_cot.CotTests.test_null",
    "db_functions.math.test_cot.CotTests.test_transform",
    "db_functions.math.test_exp.ExpTests.test_decimal",
    "db_functions.math.test_exp.ExpTests.test_float",
    "db_functions.math.test_exp.ExpTests.test_integer",
    "db_functions.math.test_exp.ExpTests.test_null",
    "db_functions.math.test_exp.ExpTests.test_transform",
    "db_functions.math.test_ln.LnTests.test_decimal",
    "db_functions.math.test_ln.LnTests.test_float",
    "db_functions.math.test_ln.LnTests.test_integer",
    "db_functions.math.test_ln.LnTests.test_null",
    "db_functions.math.test_ln.LnTests.test_transform",
    "db_functions.math.test_log.LogTests.test_decimal",
    "db_functions.math.test_log.LogTests.test_float",
    "db_functions.math.test_log.LogTests.test_integer",
    "db_functions.math.test_log.LogTests.test_null",
    "db_functions.math.test_power.PowerTests.test_decimal",
    "db_functions.math.test_power.PowerTests.test_float",
    "db_functions.math.test_power.PowerTests.test_integer",
    "db_functions.math.test_power.PowerTests.test_null",
    "db_functions.math.test_round.RoundTests.test_decimal_with_precision",
    "db_functions.math.test_round.RoundTests.test_float_with_precision",
    "db_functions.math.test_sin.SinTests.test_decimal",
    "db_functions.math.test_sin.SinTests.test_float",
    "db_functions.math.test_sin.SinTests.test_integer",
    "db_functions.math.test_sin.SinTests.test_null",
    "db_functions.math.test_sin.SinTests.test_transform",
    "db_functions.math.test_sqrt.SqrtTests.test_decimal",
    "db_functions.math.test_sqrt.SqrtTests.test_float",
    "db_functions.math.test_sqrt.SqrtTests.test_integer",
    "db_functions.math.test_sqrt.SqrtTests.test_null",
    "db_functions.math.test_sqrt.SqrtTests.test_transform",
    "db_functions.math.test_tan.TanTests.test_decimal",
    "db_functions.math.test_tan.TanTests.test_float",
    "db_functions.math.test_tan.TanTests.test_integer",
    "db_functions.math.test_tan.TanTests.test_null",
    "db_functions.math.test_tan.TanTests.test_transform",
    "expressions.tests.ExpressionOperatorTests.test_lefthand_power",
    "expressions.tests.ExpressionOperatorTests.test_righthand_power",
]

#: Django tests of the regex lookups (REGEXP).
REGEXP_TESTS = [
    "backends.sqlite.tests.Tests.test_regexp_function",
    "model_fields.test_jsonfield.TestQuerying.test_key_iregex",
    "model_fields.test_jsonfield.TestQuerying.test_key_regex",
    "lookup.tests.LookupTests.test_regex",
    "lookup.tests.LookupTests.test_regex_backreferencing",
    "lookup.tests.LookupTests.test_regex_non_ascii",
    "lookup.tests.LookupTests.test_regex_non_string",
    "lookup.tests.LookupTests.test_regex_null",
]


class DatabaseFeatures(sqlite_features.DatabaseFeatures):
    """Django's SQLite features for sqlport connections."""

    @cached_property
    def _version(self):
        return self.connection.get_database_version()

    @cached_property
    def can_alter_table_drop_column(self):
        return self._version >= (3, 35, 5)

    @cached_property
    def can_return_columns_from_insert(self):
        return self._version >= (3, 35)

    @cached_property
    def can_clone_databases(self):
        # A remote database cannot be copied by the test runner (parallel runs).
        return not self.connection.is_remote

    @cached_property
    def test_db_allows_multiple_connections(self):
        return self.connection.is_remote

    @cached_property
    def max_query_params(self):
        return 32766 if self._version >= (3, 32) else 999

    @cached_property
    def sqlport_math_functions(self):
        """Whether the database has SQLite's math functions (sqrt, sin, ...)."""
        if not self.connection.sqlport_pure_sql:
            return True  # Django registers Python versions locally.
        with self.connection.temporary_connection() as cursor:
            try:
                cursor.execute("SELECT sqrt(4)")
                return True
            except Exception:  # noqa: BLE001 - "no such function"
                return False

    @cached_property
    def sqlport_regexp(self):
        """Whether the database has a REGEXP function."""
        if not self.connection.sqlport_pure_sql:
            return True  # Django registers a Python one locally.
        with self.connection.temporary_connection() as cursor:
            try:
                cursor.execute("SELECT 'a' REGEXP 'a'")
                return True
            except Exception:  # noqa: BLE001 - "no such function"
                return False

    @cached_property
    def django_test_skips(self):
        skips = dict(super().django_test_skips)
        if not self.sqlport_math_functions:
            skips[
                "The database has no SQLite math functions (sqrt, sin, power, ...) and no "
                "Python ones can be registered on it."
            ] = set(MATH_TESTS)
        if not self.sqlport_regexp:
            skips[
                "The database has no REGEXP function and no Python one can be registered on it."
            ] = set(REGEXP_TESTS)
        if self.connection.sqlport_pure_sql:
            skips.update(
                {
                    "Remote connections run no Python code on the server: user-defined "
                    "SQL functions, collations and hashes (MD5/SHA*) are not available.": {
                        "db_functions.text.test_md5.MD5Tests.test_basic",
                        "db_functions.text.test_md5.MD5Tests.test_transform",
                        "db_functions.text.test_sha1.SHA1Tests.test_basic",
                        "db_functions.text.test_sha1.SHA1Tests.test_transform",
                        "db_functions.text.test_sha224.SHA224Tests.test_basic",
                        "db_functions.text.test_sha224.SHA224Tests.test_transform",
                        "db_functions.text.test_sha256.SHA256Tests.test_basic",
                        "db_functions.text.test_sha256.SHA256Tests.test_transform",
                        "db_functions.text.test_sha384.SHA384Tests.test_basic",
                        "db_functions.text.test_sha384.SHA384Tests.test_transform",
                        "db_functions.text.test_sha512.SHA512Tests.test_basic",
                        "db_functions.text.test_sha512.SHA512Tests.test_transform",
                    },
                }
            )
        return skips
