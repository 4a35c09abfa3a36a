package org.otfuse.core.data;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP server on 127.0.0.1 (a free port) for the download tests: answers {@code GET
 * <prefix><file>} with {@link Content#body} of the file name, or 404 when that is null, and counts
 * the requests. Started by the constructor; {@link #stop} takes it offline.
 */
final class LocalHttpServer {
  /** What the server holds. */
  interface Content {
    /** The body served for {@code fileName} (the last path segment); null for 404. */
    byte[] body(String fileName) throws IOException;
  }

  private final HttpServer server;
  private final AtomicInteger requests = new AtomicInteger();
  private final String url;

  /** @param prefix the path served, such as {@code /mnist/} */
  LocalHttpServer(String prefix, Content content) throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(prefix, ex -> {
      requests.incrementAndGet();
      byte[] body = content.body(Path.of(ex.getRequestURI().getPath()).getFileName().toString());
      ex.sendResponseHeaders(body == null ? 404 : 200, body == null ? -1 : body.length);
      if (body != null) {
        ex.getResponseBody().write(body);
      }
      ex.close();
    });
    server.start();
    url = "http://127.0.0.1:" + server.getAddress().getPort() + prefix;
  }

  /** The base URL, {@code http://127.0.0.1:<port><prefix>} (still the same after {@link #stop}). */
  String url() {
    return url;
  }

  /** Requests answered so far. */
  int requests() {
    return requests.get();
  }

  /** Stops serving at once (offline from then on). */
  void stop() {
    server.stop(0);
  }
}
