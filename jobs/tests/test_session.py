"""common.session: settings applied for a block are put back after it, even when it fails."""

import pytest

from common.session import fixed_shuffle_width, session_conf

UNSET_KEY = "spark.sql.test.sessionConfProbe"  # no Spark setting: unset unless a test sets it


def test_session_conf_restores_set_and_unset_keys(spark):
    spark.conf.set("spark.sql.shuffle.partitions", "7")
    with session_conf(spark, {"spark.sql.shuffle.partitions": "3", UNSET_KEY: "on"}):
        assert spark.conf.get("spark.sql.shuffle.partitions") == "3"
        assert spark.conf.get(UNSET_KEY) == "on"
    assert spark.conf.get("spark.sql.shuffle.partitions") == "7"
    assert spark.conf.get(UNSET_KEY, None) is None
    spark.conf.set("spark.sql.shuffle.partitions", "2")  # the test session's width


def test_session_conf_restores_after_a_failure(spark):
    before = spark.conf.get("spark.sql.adaptive.enabled")
    with pytest.raises(RuntimeError), session_conf(spark, fixed_shuffle_width(5)):
        assert spark.conf.get("spark.sql.adaptive.enabled") == "false"
        assert spark.conf.get("spark.sql.shuffle.partitions") == "5"
        raise RuntimeError("boom")
    assert spark.conf.get("spark.sql.adaptive.enabled") == before == "true"
    assert spark.conf.get("spark.sql.shuffle.partitions") == "2"
