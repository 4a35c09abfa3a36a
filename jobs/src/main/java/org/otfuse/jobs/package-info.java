/**
 * Spark adapters for otfuse core: sweeps expanded into tasks, results written as Parquet.
 * Only this module imports Spark.
 */
package org.otfuse.jobs;
