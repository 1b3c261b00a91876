// Interop check: the official TypeScript client (@libsql/client, HTTP/Hrana)
// against the sqlport reference server. Usage: node interop.mjs http://127.0.0.1:PORT
// Exits non-zero on the first failed check.
import assert from "node:assert/strict";
import { createClient } from "@libsql/client";

const url = process.argv[2];
if (!url) {
  console.error("usage: node interop.mjs URL");
  process.exit(2);
}

const client = createClient({ url, intMode: "bigint" });
let checks = 0;

async function check(name, fn) {
  try {
    await fn();
    checks += 1;
    console.log(`ok   ${name}`);
  } catch (e) {
    console.error(`FAIL ${name}`);
    console.error(e);
    process.exit(1);
  }
}

function bytes(value) {
  assert.ok(value instanceof ArrayBuffer, `expected an ArrayBuffer, got ${Object.prototype.toString.call(value)}`);
  return [...new Uint8Array(value)];
}

async function count(table) {
  const rs = await client.execute(`SELECT count(*) AS n FROM ${table}`);
  return rs.rows[0].n;
}

await check("execute", async () => {
  const rs = await client.execute("SELECT 1 AS one, 'two' AS two, NULL AS three, 1.5 AS four");
  assert.deepEqual(rs.columns, ["one", "two", "three", "four"]);
  assert.equal(rs.rows.length, 1);
  assert.equal(rs.rows[0].one, 1n);
  assert.equal(rs.rows[0].two, "two");
  assert.equal(rs.rows[0].three, null);
  assert.equal(rs.rows[0].four, 1.5);
});

await check("batch in write mode", async () => {
  const results = await client.batch(
    [
      "CREATE TABLE items (id INTEGER PRIMARY KEY, big INTEGER, data BLOB, name TEXT UNIQUE)",
      { sql: "INSERT INTO items (big, data, name) VALUES (?, ?, ?)", args: [1n, new Uint8Array([1]), "first"] },
      { sql: "INSERT INTO items (big, data, name) VALUES (:big, :data, :name)", args: { big: 2n, data: new Uint8Array([2]), name: "second" } },
    ],
    "write",
  );
  assert.equal(results.length, 3);
  assert.equal(results[1].rowsAffected, 1);
  assert.equal(results[1].lastInsertRowid, 1n);
  assert.equal(results[2].lastInsertRowid, 2n);
  assert.equal(await count("items"), 2n);
});

await check("a failing write batch commits nothing", async () => {
  await assert.rejects(
    client.batch(
      [
        { sql: "INSERT INTO items (name) VALUES (?)", args: ["third"] },
        { sql: "INSERT INTO items (name) VALUES (?)", args: ["first"] },
      ],
      "write",
    ),
    (e) => e.code === "SQLITE_CONSTRAINT",
  );
  assert.equal(await count("items"), 2n);
});

await check("integers beyond 2^53 round-trip exactly", async () => {
  const values = [9007199254740993n, 9223372036854775807n, -9223372036854775808n];
  for (const v of values) {
    const rs = await client.execute({ sql: "SELECT ? AS v, typeof(?) AS t", args: [v, v] });
    assert.equal(rs.rows[0].v, v);
    assert.equal(rs.rows[0].t, "integer");
  }
  await client.execute({ sql: "INSERT INTO items (big, name) VALUES (?, 'big')", args: [9007199254740993n] });
  const rs = await client.execute("SELECT big FROM items WHERE name = 'big'");
  assert.equal(rs.rows[0].big, 9007199254740993n);
});

await check("blobs round-trip", async () => {
  const all = new Uint8Array(256).map((_, i) => i);
  let rs = await client.execute({ sql: "SELECT ? AS b", args: [all] });
  assert.deepEqual(bytes(rs.rows[0].b), [...all]);
  rs = await client.execute({ sql: "SELECT ? AS b", args: [new Uint8Array([0xfb, 0xff, 0xfe, 0x01]).buffer] });
  assert.deepEqual(bytes(rs.rows[0].b), [0xfb, 0xff, 0xfe, 0x01]);
  rs = await client.execute({ sql: "SELECT ? AS b, length(?) AS n", args: [new Uint8Array(0), new Uint8Array(0)] });
  assert.deepEqual(bytes(rs.rows[0].b), []);
  assert.equal(rs.rows[0].n, 0n);
  rs = await client.execute("SELECT data FROM items WHERE name = 'second'");
  assert.deepEqual(bytes(rs.rows[0].data), [2]);
});

await check("interactive transaction committed", async () => {
  const tx = await client.transaction("write");
  await tx.execute({ sql: "INSERT INTO items (name) VALUES (?)", args: ["tx-commit"] });
  const inside = await tx.execute("SELECT count(*) AS n FROM items WHERE name = 'tx-commit'");
  assert.equal(inside.rows[0].n, 1n);
  await tx.commit();
  const after = await client.execute("SELECT count(*) AS n FROM items WHERE name = 'tx-commit'");
  assert.equal(after.rows[0].n, 1n);
});

await check("interactive transaction rolled back", async () => {
  const tx = await client.transaction("write");
  await tx.execute({ sql: "INSERT INTO items (name) VALUES (?)", args: ["tx-rollback"] });
  await tx.batch([{ sql: "UPDATE items SET big = 99 WHERE name = 'first'" }]);
  await tx.rollback();
  const rs = await client.execute("SELECT count(*) AS n FROM items WHERE name = 'tx-rollback'");
  assert.equal(rs.rows[0].n, 0n);
  const first = await client.execute("SELECT big FROM items WHERE name = 'first'");
  assert.equal(first.rows[0].big, 1n);
});

await check("errors carry their code", async () => {
  await assert.rejects(
    client.execute({ sql: "INSERT INTO items (name) VALUES (?)", args: ["first"] }),
    (e) => e.code === "SQLITE_CONSTRAINT",
  );
  await assert.rejects(client.execute("SELEC 1"), (e) => typeof e.code === "string" && e.code.length > 0);
  await assert.rejects(client.execute("SELECT * FROM no_such_table"), (e) => typeof e.code === "string");
});

await check("executeMultiple runs a script", async () => {
  await client.executeMultiple("CREATE TABLE script (x); INSERT INTO script VALUES (1); INSERT INTO script VALUES ('a;b');");
  assert.equal(await count("script"), 2n);
});

await check("read transaction and migrate", async () => {
  const tx = await client.transaction("read");
  const rs = await tx.execute("SELECT count(*) AS n FROM items");
  assert.equal(rs.rows[0].n, 4n); // first, second, big, tx-commit
  await tx.commit();
  const results = await client.migrate(["CREATE TABLE migrated (x)", "INSERT INTO migrated VALUES (1)"]);
  assert.equal(results.length, 2);
  assert.equal(await count("migrated"), 1n);
});

client.close();
console.log(`interop: ${checks} checks passed against ${url}`);
