"""Tests of otfuse_results: the schema check fails loudly, naming the column.

  /usr/bin/python3 -m unittest discover -s notebooks -p 'test_*.py'

The tests that read Parquet need results of a real sweep (OTFUSE_TEST_RESULTS=<results root>, as
.ci/run sets after its tiny sweep) and the jobs' classpath; without them they are skipped. They
rewrite those rows with a column dropped, retyped, or another schema_version, through the same
SparkSession, and check that load() refuses them.
"""

import os
import shutil
import tempfile
import unittest

import otfuse_results as R


class CheckSchemaTest(unittest.TestCase):
    def test_accepts_the_required_columns(self):
        R.check_schema(dict(R.REQUIRED_COLUMNS, extra_column="string"), "here")

    def test_names_a_missing_column(self):
        cols = dict(R.REQUIRED_COLUMNS)
        del cols["accuracy"]
        with self.assertRaisesRegex(R.SchemaError, r"here: column 'accuracy' \(double\) is missing"):
            R.check_schema(cols, "here")

    def test_names_a_retyped_column(self):
        cols = dict(R.REQUIRED_COLUMNS, group_size="string")
        with self.assertRaisesRegex(R.SchemaError, "column 'group_size' has type string but the notebooks expect int"):
            R.check_schema(cols, "here")


class ModelSizesTest(unittest.TestCase):
    @staticmethod
    def rows(**extra):
        import pandas as pd

        data = {
            "point_id": ["a", "a", "a", "a", "b", "b", "b"],
            "method": ["parent", "parent", "ensemble", "ot", "parent", "compress_ot", "compress_magnitude"],
            "dataset": ["fashion-mnist"] * 7,
            "widths": ["100x50"] * 4 + ["20x10"] * 3,
        }
        data.update(extra)
        return pd.DataFrame(data)

    def test_uses_the_parents_parameters_column(self):
        full = 784 * 100 + 100 + 100 * 50 + 50 + 50 * 10 + 10  # 84060, biases included
        small = 784 * 20 + 20 + 20 * 10 + 10 + 10 * 10 + 10  # 16020
        half = 784 * 10 + 10 + 10 * 5 + 5 + 5 * 10 + 10  # 7965: the compressed rows' own count
        sizes, unit = R.model_sizes(self.rows(parameters=[full, full, None, full, small, half, half]))
        self.assertEqual("parameters", unit)
        self.assertEqual([84060] * 4 + [16020] * 3, sizes)

    def test_falls_back_to_mlp_weights_without_the_column(self):
        sizes, unit = R.model_sizes(self.rows())
        self.assertEqual("weights", unit)
        self.assertEqual([784 * 100 + 100 * 50 + 50 * 10] * 4 + [784 * 20 + 20 * 10 + 10 * 10] * 3, sizes)

    def test_falls_back_for_every_row_when_a_point_lacks_it(self):
        sizes, unit = R.model_sizes(self.rows(parameters=[84060, 84060, None, 84060, None, 7965, 7965]))
        self.assertEqual("weights", unit)
        self.assertEqual(83900, sizes[0])
        self.assertEqual(15980, sizes[-1])


@unittest.skipUnless(os.environ.get("OTFUSE_TEST_RESULTS"), "set OTFUSE_TEST_RESULTS to a sweep's results root")
class LoadTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        import jpype

        cls.results = os.environ["OTFUSE_TEST_RESULTS"]
        cls.tmp = tempfile.mkdtemp(prefix="otfuse-nb-test-")
        cls.spark = R.spark()  # starts the JVM
        cls.functions = jpype.JClass("org.apache.spark.sql.functions")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def rewrite(self, name, change):
        """The results with ``change`` applied to the Spark DataFrame, written under tmp/name."""
        df = self.spark.read().parquet(self.results)
        out = os.path.join(self.tmp, name)
        change(df).write().partitionBy("sweep_id").parquet(out)
        return out

    def test_reads_the_sweep(self):
        df = R.load(self.results, quiet=True)
        self.assertTrue(len(df) > 0)
        self.assertEqual({R.SCHEMA_VERSION}, set(df["schema_version"]))
        self.assertTrue(set(R.REQUIRED_COLUMNS) <= set(df.columns))

    def test_a_dropped_column_fails_naming_it(self):
        path = self.rewrite("dropped", lambda df: df.drop("accuracy"))
        with self.assertRaisesRegex(R.SchemaError, "column 'accuracy' \\(double\\) is missing"):
            R.load(path, quiet=True)

    def test_a_retyped_column_fails_naming_it(self):
        path = self.rewrite("retyped", lambda df: df.withColumn("group_size", self.functions.col("group_size").cast("string")))
        with self.assertRaisesRegex(R.SchemaError, "column 'group_size' has type string"):
            R.load(path, quiet=True)

    def test_another_schema_version_fails(self):
        other = R.SCHEMA_VERSION + 1
        path = self.rewrite("other", lambda df: df.withColumn("schema_version", self.functions.lit(other).cast("int")))
        with self.assertRaisesRegex(R.SchemaError, f"schema_version \\[{other}\\]"):
            R.load(path, quiet=True)

    def test_an_empty_directory_says_there_are_no_results(self):
        empty = os.path.join(self.tmp, "empty")
        os.makedirs(empty)
        with self.assertRaisesRegex(R.NoResultsError, "no result rows under"):
            R.load(empty, quiet=True)


if __name__ == "__main__":
    unittest.main()
