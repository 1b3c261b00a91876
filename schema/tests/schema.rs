//! Integration tests: golden DDL against real Django 5.1.15 output, introspection, migrations.

mod golden;
