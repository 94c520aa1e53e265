package org.safehouse.server;

import picocli.CommandLine;

/**
 * {@code --version}: the version the jar was built as, from its manifest ({@code
 * Implementation-Version}, written by the build). Run from classes rather than a jar, it says so.
 */
public final class JarVersion implements CommandLine.IVersionProvider {
  @Override
  public String[] getVersion() {
    return new String[] {describe(JarVersion.class, "safehouse-server")};
  }

  /** {@code NAME VERSION}, or {@code NAME (development build)} outside a built jar. */
  public static String describe(Class<?> anchor, String name) {
    String v = anchor.getPackage() == null ? null : anchor.getPackage().getImplementationVersion();
    return name + " " + (v == null ? "(development build)" : v);
  }
}
