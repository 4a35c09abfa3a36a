package org.otfuse.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.gaul.s3proxy.junit.S3ProxyExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A sweep whose zoo, data and results are all on s3a://, against an S3 server (s3proxy with a
 * filesystem store) on 127.0.0.1. Credentials reach s3a through the session's Hadoop
 * configuration, as a cluster's providers would put them there; they appear in no result file.
 */
@ExtendWith(SparkExtension.class)
class S3aSweepTest {
  static final String ACCESS = "otfuse-test-access";
  static final String SECRET = "otfuse-test-secret-do-not-log";

  @RegisterExtension
  final S3ProxyExtension s3 = S3ProxyExtension.builder().withCredentials(ACCESS, SECRET).build();

  @TempDir Path tmp;

  @Test
  void sweepReadsZooFromAndWritesResultsToS3(SparkSession spark) throws Exception {
    URI endpoint = s3.getUri();
    assertEquals("127.0.0.1", endpoint.getHost().replace("localhost", "127.0.0.1"));
    try (S3Client client = S3Client.builder().endpointOverride(endpoint).forcePathStyle(true)
        .region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS, SECRET))).build()) {
      client.createBucket(b -> b.bucket("otfuse"));
    }
    Configuration h = spark.sparkContext().hadoopConfiguration();
    h.set("fs.s3a.access.key", ACCESS);
    h.set("fs.s3a.secret.key", SECRET);
    String endpointConf = "http://" + endpoint.getHost() + ":" + endpoint.getPort();
    try {
      List<String> o = TestZoo.overrides("s3", tmp);
      o.addAll(List.of("results=s3a://otfuse/results", "zoo.dir=s3a://otfuse/zoo", "data.dir=s3a://otfuse/data",
          "select.widths=[[24,12]]", "sweep.modes=[weights]", "sweep.group-sizes=[2]",
          "hadoop.fs.s3a.endpoint=" + endpointConf, "hadoop.fs.s3a.endpoint.region=us-east-1",
          "hadoop.fs.s3a.path.style.access=true", "hadoop.fs.s3a.connection.ssl.enabled=false",
          "hadoop.fs.s3a.aws.credentials.provider=org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider",
          "hadoop.fs.s3a.change.detection.version.required=false"));
      Configuration withEndpoint = new Configuration(h);
      withEndpoint.set("fs.s3a.endpoint", endpointConf);
      withEndpoint.set("fs.s3a.endpoint.region", "us-east-1");
      withEndpoint.set("fs.s3a.path.style.access", "true");
      withEndpoint.set("fs.s3a.connection.ssl.enabled", "false");
      withEndpoint.set("fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
      FileSystem fs = FileSystem.get(URI.create("s3a://otfuse/"), withEndpoint);
      Path root = TestZoo.root();
      fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(root.resolve("zoo").toUri()),
          new org.apache.hadoop.fs.Path("s3a://otfuse/zoo"));
      fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(root.resolve("data").toUri()),
          new org.apache.hadoop.fs.Path("s3a://otfuse/data"));

      String out = SweepJobTest.run(spark, SweepJobTest.conf(tmp), o);
      assertTrue(out.contains("3 points, 0 skipped") && out.contains("results: s3a://otfuse/results/sweep_id=s3"),
          out);
      Dataset<Row> rows = ResultTable.readSweep(spark, "s3a://otfuse/results", "s3");
      assertEquals(3 * 5, rows.count());
      assertEquals(0, rows.filter("status != 'ok'").count());
      String again = SweepJobTest.run(spark, SweepJobTest.conf(tmp), o);
      assertTrue(again.contains("3 points, 3 skipped"), again);

      RemoteIterator<LocatedFileStatus> it = fs.listFiles(new org.apache.hadoop.fs.Path("s3a://otfuse/results"), true);
      int files = 0;
      while (it.hasNext()) {
        org.apache.hadoop.fs.Path p = it.next().getPath();
        byte[] bytes;
        try (var in = fs.open(p)) {
          bytes = in.readAllBytes();
        }
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        assertFalse(text.contains(SECRET) || text.contains(ACCESS), p + " contains a credential");
        files++;
      }
      assertTrue(files >= 3, "result objects: " + files);
    } finally {
      h.unset("fs.s3a.access.key");
      h.unset("fs.s3a.secret.key");
    }
  }
}
