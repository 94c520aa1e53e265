package org.safehouse.bench;

import java.util.List;
import java.util.Map;

/** The Markdown report of {@link AttachmentBench}, from its results map. */
final class AttachmentReport {
  private static final List<String> COLUMNS =
      List.of(
          "upload_mb_per_s",
          "download_mb_per_s",
          "server_cpu_ms_per_mb_upload",
          "server_cpu_ms_per_mb_download");

  private AttachmentReport() {}

  @SuppressWarnings("unchecked")
  static String markdown(Map<String, Object> r) {
    Map<String, Object> versions = (Map<String, Object>) r.get("versions");
    Map<String, Object> ratios = (Map<String, Object>) r.get("ratios");
    StringBuilder md = new StringBuilder("# Attachments over TLS on loopback\n\n");
    md.append(r.get("date"))
        .append(", ")
        .append(r.get("cores"))
        .append(" cores, a file of ")
        .append(r.get("file_mb"))
        .append(" MB; medians of ")
        .append(r.get("rounds"))
        .append(" rounds after a warm-up round, each round moving the file once each way through")
        .append(" every server in turn. Load average (1, 5, 15 min) ")
        .append(r.get("load_average_start"))
        .append(" at the start, ")
        .append(r.get("load_average_end"))
        .append(" at the end, on ")
        .append(r.get("cores"))
        .append(" cores: where other processes used them, the figures are pessimistic; read the")
        .append(" ratios (taken in the same rounds) as the comparison.\n\n")
        .append("| | upload MB/s | download MB/s | server CPU ms/MB up | server CPU ms/MB down |\n")
        .append("|---|---|---|---|---|\n");
    row(md, "Safehouse: SDK → server jar → SDK", (Map<String, Object>) r.get("safehouse"));
    row(
        md,
        "curl -T / curl GET ⇄ " + versions.get("nginx").toString().replace("nginx version: ", ""),
        (Map<String, Object>) r.get("nginx"));
    row(md, "curl GET ← openssl s_server -WWW", (Map<String, Object>) r.get("s_server"));
    row(md, "**Safehouse / nginx**", (Map<String, Object>) ratios.get("safehouse_over_nginx"));
    row(
        md,
        "**Safehouse / s_server**",
        (Map<String, Object>) ratios.get("safehouse_over_s_server"));
    md.append("\nA ratio is – where the baseline has no such figure or measured 0.\n")
        .append("\nEvery round, in this order (MB/s; server CPU ms/MB):\n\n");
    for (String peer : List.of("safehouse", "nginx", "s_server")) {
      Map<String, Object> runs =
          (Map<String, Object>) ((Map<String, Object>) r.get(peer)).get("runs");
      runs.forEach(
          (key, values) ->
              md.append("- ")
                  .append(peer)
                  .append(' ')
                  .append(key)
                  .append(": ")
                  .append(values)
                  .append('\n'));
    }
    md.append("\n")
        .append("All over TLS 1.3 on 127.0.0.1, each server its own process; server CPU is the")
        .append(" CPU time of the server's processes: Safehouse's user+system time from")
        .append(" `/proc/PID/stat` (10 ms ticks, ±")
        .append(Math.round(1000 / ((Number) r.get("file_mb")).doubleValue()) / 100.0)
        .append(" ms/MB per reading), the baselines' (nginx master and worker, s_server) from")
        .append(" each thread's `/proc/PID/task/TID/schedstat` in nanoseconds, as ticks would be")
        .append(" too coarse for their few ms/MB. The client's CPU (SDK, curl) is not counted.")
        .append(" What each figure includes:\n\n")
        .append("- **Safehouse upload**: `sendFile` until the message announcing the file is")
        .append(" stored: the SDK's digest pass, AES-256-GCM per 48 KiB chunk, the chunked upload,")
        .append(" the server sealing each chunk under its bucket key and committing it to RocksDB")
        .append(" with a synced WAL (group commit), and the message. **Download**: the chunked")
        .append(" download, the digest check and decryption to a file (waiting for the message")
        .append(" is not timed).\n")
        .append(
            "- **nginx** (`dav_methods PUT`, one worker, `access_log off`): `curl --upload-file`")
        .append(" (HTTP/1.1 PUT) is written to a temporary file and renamed, never synced; GET is")
        .append(" read from the page cache. curl writes downloads to `/dev/null`; the file moves")
        .append(" in plain, with no end-to-end encryption.\n")
        .append("- **openssl s_server -WWW** serves GET only (no upload); it is the floor for")
        .append(" moving the bytes. No scp baseline: `sshd` is not installed on this machine")
        .append(" (nothing was installed for this run).\n\n")
        .append("Versions: ")
        .append(versions.get("java"))
        .append("; ")
        .append(versions.get("nginx"))
        .append("; ")
        .append(versions.get("curl"))
        .append("; ")
        .append(versions.get("openssl"))
        .append(".\n");
    return md.toString();
  }

  private static void row(StringBuilder md, String name, Map<String, Object> figures) {
    md.append("| ").append(name);
    for (String column : COLUMNS) {
      Object v = figures.get(column);
      md.append(" | ").append(v == null ? "–" : v);
    }
    md.append(" |\n");
  }
}
