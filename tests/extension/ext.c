/* A tiny SQLite loadable extension for sqlport's test: sqlport_ext_answer() = 42. */
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1

static void answer(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  (void)argv;
  sqlite3_result_int(ctx, 42);
}

#ifdef _WIN32
__declspec(dllexport)
#endif
int sqlite3_extension_init(sqlite3 *db, char **err, const sqlite3_api_routines *api) {
  (void)err;
  SQLITE_EXTENSION_INIT2(api);
  return sqlite3_create_function(db, "sqlport_ext_answer", 0,
                                 SQLITE_UTF8 | SQLITE_DETERMINISTIC, 0, answer, 0, 0);
}
