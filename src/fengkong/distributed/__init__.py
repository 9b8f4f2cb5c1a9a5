"""Batch work over partitions on existing engines: the `core.partitions.PartitionRunner` port run
on a Dask cluster (`dask_runner`) or on Spark (`spark_runner`), and the choice of engine the
commands offer (`engines`). Dask and PySpark are optional extras, imported only when used."""
