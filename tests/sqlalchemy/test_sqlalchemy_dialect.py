"""The tqp:// SQLAlchemy dialect: URL options, reflection, Core and ORM round trips, and pandas'
read_sql / to_sql through an engine."""
from __future__ import annotations

import datetime as dt
import decimal

import pytest
import sqlalchemy as sa
from sqlalchemy import orm

import tqp


@pytest.fixture
def engine():
    eng = sa.create_engine("tqp:///?threads=1")
    yield eng
    eng.dispose()


def _raw(engine):
    """The tqp connection the engine's pool holds."""
    with engine.connect() as con:
        return con.connection.dbapi_connection


def test_url_options_reach_the_connection():
    eng = sa.create_engine("tqp://cpu/?threads=2&memory_limit=1GB&TimeZone=Asia/Tokyo")
    raw = _raw(eng)
    assert isinstance(raw, tqp.Connection) and str(raw.device) == "cpu"
    settings = raw._engine.settings
    assert (settings.threads, settings.memory_limit, settings.timezone) == (2, 10**9, "Asia/Tokyo")
    with pytest.raises(sa.exc.ProgrammingError, match="unknown setting"):  # (SQLAlchemy wraps tqp's error)
        sa.create_engine("tqp:///?nonsense=1").connect()


def test_one_database_per_engine(engine):
    with engine.begin() as con:
        con.execute(sa.text("CREATE TABLE shared (x INTEGER)"))
    with engine.connect() as a, engine.connect() as b:  # every pooled connection sees the same tables
        a.execute(sa.text("INSERT INTO shared VALUES (1)"))
        assert b.execute(sa.text("SELECT count(*) FROM shared")).scalar() == 1
    other = sa.create_engine("tqp://")
    assert not sa.inspect(other).has_table("shared")


def test_reflection(engine):
    with engine.begin() as con:
        for sql in ["CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL, price DECIMAL(10, 2), "
                    "seen TIMESTAMP, at TIMESTAMPTZ, ok BOOLEAN DEFAULT true, code VARCHAR UNIQUE, w DOUBLE)",
                    "CREATE VIEW cheap AS SELECT id FROM items WHERE price < 5",
                    "CREATE SCHEMA shop", "CREATE TABLE shop.orders (n BIGINT PRIMARY KEY, item INTEGER)"]:
            con.execute(sa.text(sql))
    inspector = sa.inspect(engine)
    assert "shop" in inspector.get_schema_names() and "main" in inspector.get_schema_names()
    assert inspector.get_table_names() == ["items"] and inspector.get_view_names() == ["cheap"]
    assert inspector.get_table_names(schema="shop") == ["orders"]
    assert inspector.has_table("items") and inspector.has_table("orders", schema="shop")
    assert not inspector.has_table("orders") and not inspector.has_table("nope")
    cols = {c["name"]: c for c in inspector.get_columns("items")}
    assert list(cols) == ["id", "name", "price", "seen", "at", "ok", "code", "w"]
    assert isinstance(cols["price"]["type"], sa.DECIMAL) and (cols["price"]["type"].precision, cols["price"]["type"].scale) == (10, 2)
    assert isinstance(cols["seen"]["type"], sa.TIMESTAMP) and not cols["seen"]["type"].timezone
    assert cols["at"]["type"].timezone and isinstance(cols["w"]["type"], sa.DOUBLE)
    assert cols["name"]["nullable"] is False and cols["price"]["nullable"] is True
    assert cols["ok"]["default"] is not None
    assert inspector.get_pk_constraint("items")["constrained_columns"] == ["id"]
    assert inspector.get_pk_constraint("orders", schema="shop")["constrained_columns"] == ["n"]
    assert inspector.get_unique_constraints("items") == [{"name": None, "column_names": ["code"]}]
    with pytest.raises(sa.exc.NoSuchTableError):
        inspector.get_columns("nope")
    table = sa.Table("items", sa.MetaData(), autoload_with=engine)
    assert [c.name for c in table.primary_key] == ["id"]


def test_core_round_trip(engine):
    meta = sa.MetaData()
    people = sa.Table("people", meta, sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(40)),
                      sa.Column("score", sa.Float), sa.Column("born", sa.Date), sa.Column("paid", sa.Numeric(8, 2)),
                      sa.Column("seen", sa.DateTime(timezone=True)), sa.Column("note", sa.Text))
    meta.create_all(engine)
    assert sa.inspect(engine).has_table("people")
    stamp = dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    with engine.begin() as con:
        con.execute(people.insert(), [
            {"id": 1, "name": "Ann", "score": 1.5, "born": dt.date(1990, 1, 1), "paid": decimal.Decimal("10.25"),
             "seen": stamp, "note": "x"},
            {"id": 2, "name": "Bob", "score": None, "born": None, "paid": None, "seen": None, "note": None},
            {"id": 3, "name": "Cy", "score": -2.0, "born": dt.date(2000, 2, 29), "paid": decimal.Decimal("0.10"),
             "seen": stamp, "note": "z"}])
        con.execute(people.update().where(people.c.id == 2).values(score=people.c.id * 10))
        con.execute(people.delete().where(people.c.name == "Cy"))
        got = con.execute(sa.select(people).order_by(people.c.id)).all()
        ret = con.execute(people.insert().values(id=4, name="Di").returning(people.c.id, people.c.name)).all()
    assert got == [(1, "Ann", 1.5, dt.date(1990, 1, 1), decimal.Decimal("10.25"), stamp, "x"),
                   (2, "Bob", 20.0, None, None, None, None)]
    assert ret == [(4, "Di")]
    with engine.connect() as con:
        q = sa.select(people.c.name, sa.func.count()).where(people.c.score.is_(None) | (people.c.id > 1)) \
            .group_by(people.c.name).order_by(people.c.name)
        assert con.execute(q).all() == [("Bob", 1), ("Di", 1)]
        assert con.execute(sa.select(people.c.name).where(people.c.name.in_(["Ann", "Di"])).order_by("name")).scalars().all() \
            == ["Ann", "Di"]
        assert con.execute(sa.text("SELECT name FROM people WHERE id = :i"), {"i": 1}).scalar() == "Ann"
    meta.drop_all(engine)
    assert not sa.inspect(engine).has_table("people")


class Base(orm.DeclarativeBase):
    pass


class Pet(Base):
    __tablename__ = "pet"
    id: orm.Mapped[int] = orm.mapped_column(primary_key=True, autoincrement=False)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(30))
    age: orm.Mapped[int | None]


def test_orm_session(engine):
    Base.metadata.create_all(engine)
    with orm.Session(engine) as session:
        session.add_all([Pet(id=1, name="Rex", age=3), Pet(id=2, name="Tom", age=None)])
        session.commit()
    with orm.Session(engine) as session:
        rex = session.get(Pet, 1)
        assert (rex.name, rex.age) == ("Rex", 3)
        rex.age = 4
        session.delete(session.scalars(sa.select(Pet).where(Pet.name == "Tom")).one())
        session.commit()
    with orm.Session(engine) as session:
        assert [(p.id, p.name, p.age) for p in session.scalars(sa.select(Pet).order_by(Pet.id))] == [(1, "Rex", 4)]


def test_rollback_undoes_and_autocommit_keeps(engine):
    Base.metadata.create_all(engine)
    with orm.Session(engine) as session:
        session.add(Pet(id=1, name="Rex", age=3))
        session.commit()
        session.add(Pet(id=2, name="Tom", age=1))
        session.flush()
        assert session.scalar(sa.select(sa.func.count()).select_from(Pet)) == 2
        session.rollback()
        assert session.scalar(sa.select(sa.func.count()).select_from(Pet)) == 1
    with engine.connect() as con:  # never committed: rolled back when the connection closes
        con.execute(sa.text("INSERT INTO pet VALUES (5, 'x', 1)"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as con:
        con.execute(sa.text("INSERT INTO pet VALUES (6, 'y', 2)"))
    with engine.connect() as con:
        assert con.execute(sa.text("SELECT id FROM pet ORDER BY id")).scalars().all() == [1, 6]


def test_pandas_to_sql_and_read_sql(engine):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"k": [1, 2, 3], "x": [0.5, None, 2.25], "s": ["a", None, "c"],
                          "d": pd.to_datetime(["2024-01-01", "2024-02-29", None])})
    assert frame.to_sql("frame", engine, index=False) == 3
    frame.iloc[:1].to_sql("frame", engine, index=False, if_exists="append")
    back = pd.read_sql("SELECT * FROM frame ORDER BY k", engine)
    want = pd.concat([frame.iloc[:1], frame]).sort_values("k", kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(back, want, check_dtype=False)
    assert pd.read_sql_table("frame", engine).shape == (4, 4)
    frame.to_sql("frame", engine, index=False, if_exists="replace")
    assert pd.read_sql(sa.text("SELECT count(*) AS n FROM frame"), engine)["n"].tolist() == [3]
    with pytest.raises(ValueError):
        frame.to_sql("frame", engine, index=False)  # if_exists='fail'
