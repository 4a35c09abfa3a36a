package org.otfuse.core.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * One door to every file otfuse reads or writes: a plain local path, {@code file:}, {@code s3a:}
 * or any other scheme Hadoop's {@link FileSystem} knows. Local paths use Hadoop's raw local file
 * system (no {@code .crc} side files).
 *
 * <p>Writes are atomic: {@link #writeAtomically} writes a hidden temporary file beside the target
 * and renames it into place only after the writer returned without error.
 */
public final class HadoopPaths {

  /** Writes bytes to a stream; may throw {@link IOException}. */
  @FunctionalInterface
  public interface StreamWriter {
    void write(OutputStream out) throws IOException;
  }

  private static volatile Configuration defaultConf = new Configuration();

  private HadoopPaths() {}

  /** Replaces the Hadoop configuration used for paths (for example s3a endpoint and credentials). */
  public static void setConfiguration(Configuration conf) {
    defaultConf = new Configuration(conf);
  }

  /** The Hadoop configuration used for paths. */
  public static Configuration configuration() {
    return defaultConf;
  }

  /** The file system that serves {@code path}; local paths get the raw local file system. */
  public static FileSystem fileSystem(Path path) throws IOException {
    URI uri = path.toUri();
    if (uri.getScheme() == null || "file".equals(uri.getScheme())) {
      return FileSystem.getLocal(defaultConf).getRaw();
    }
    return path.getFileSystem(defaultConf);
  }

  /** Opens {@code path} for reading; fails with the path in the message when it is missing. */
  public static InputStream open(String path) throws IOException {
    Path p = new Path(path);
    FileSystem fs = fileSystem(p);
    if (!fs.exists(p)) {
      throw new java.io.FileNotFoundException(path + ": no such file");
    }
    return fs.open(p);
  }

  /** Reads the whole file at {@code path}. */
  public static byte[] readAllBytes(String path) throws IOException {
    try (InputStream in = open(path)) {
      return in.readAllBytes();
    }
  }

  /** Whether {@code path} exists. */
  public static boolean exists(String path) throws IOException {
    Path p = new Path(path);
    return fileSystem(p).exists(p);
  }

  /**
   * Writes {@code path} through a temporary sibling file and renames it into place, replacing
   * any existing file. If {@code writer} throws, the target is untouched and the temporary file is
   * removed.
   */
  public static void writeAtomically(String path, StreamWriter writer) throws IOException {
    Path target = new Path(path);
    FileSystem fs = fileSystem(target);
    Path parent = target.getParent();
    if (parent != null && !fs.exists(parent)) {
      fs.mkdirs(parent);
    }
    Path tmp = new Path(parent, "." + target.getName() + ".tmp-" + UUID.randomUUID());
    boolean ok = false;
    try {
      try (OutputStream out = fs.create(tmp, true)) {
        writer.write(out);
      }
      if (isLocal(target)) {
        Files.move(
            java.nio.file.Path.of(tmp.toUri().getPath()),
            java.nio.file.Path.of(target.toUri().getPath()),
            StandardCopyOption.REPLACE_EXISTING,
            StandardCopyOption.ATOMIC_MOVE);
      } else {
        if (fs.exists(target)) {
          fs.delete(target, false);
        }
        if (!fs.rename(tmp, target)) {
          throw new IOException("could not rename " + tmp + " to " + target);
        }
      }
      ok = true;
    } finally {
      if (!ok) {
        fs.delete(tmp, false);
      }
    }
  }

  /** Writes bytes atomically, as {@link #writeAtomically}. */
  public static void writeBytes(String path, byte[] bytes) throws IOException {
    writeAtomically(path, out -> out.write(bytes));
  }

  private static boolean isLocal(Path p) {
    String scheme = p.toUri().getScheme();
    return scheme == null || "file".equals(scheme);
  }

  /** Reads a stream fully (helper for formats that need random access). */
  static byte[] readFully(InputStream in) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    in.transferTo(buf);
    return buf.toByteArray();
  }
}
