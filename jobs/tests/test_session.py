"""common.session: settings applied for a block are put back after it, even when it fails."""

import pytest

from common.session import fixed_shuffle_width, session_conf

UNSET_KEY = "spark.sql.test.sessionConfProbe"  # no Spark setting: unset unless a test sets it


@pytest.fixture
def shared_session(spark):
    """The shared test session, its settings put back after the test even when it fails."""
    keys = ("spark.sql.shuffle.partitions", "spark.sql.adaptive.enabled")
    saved = {k: spark.conf.get(k) for k in keys}
    yield spark
    for k, v in saved.items():
        spark.conf.set(k, v)
    spark.conf.unset(UNSET_KEY)


def test_session_conf_restores_set_and_unset_keys(shared_session):
    spark = shared_session
    spark.conf.set("spark.sql.shuffle.partitions", "7")
    with session_conf(spark, {"spark.sql.shuffle.partitions": "3", UNSET_KEY: "on"}):
        assert spark.conf.get("spark.sql.shuffle.partitions") == "3"
        assert spark.conf.get(UNSET_KEY) == "on"
    assert spark.conf.get("spark.sql.shuffle.partitions") == "7"
    assert spark.conf.get(UNSET_KEY, None) is None


def test_session_conf_restores_after_a_failure(shared_session):
    spark = shared_session
    spark.conf.set("spark.sql.shuffle.partitions", "2")
    before = spark.conf.get("spark.sql.adaptive.enabled")
    with pytest.raises(RuntimeError), session_conf(spark, fixed_shuffle_width(5)):
        assert spark.conf.get("spark.sql.adaptive.enabled") == "false"
        assert spark.conf.get("spark.sql.shuffle.partitions") == "5"
        raise RuntimeError("boom")
    assert spark.conf.get("spark.sql.adaptive.enabled") == before == "true"
    assert spark.conf.get("spark.sql.shuffle.partitions") == "2"
