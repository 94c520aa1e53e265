package org.safehouse.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.safehouse.sdk.internal.store.LocalStore;
import org.signal.libsignal.protocol.IdentityKey;

/**
 * The public surface of the SDK is {@code org.safehouse.sdk} alone: no public class there shows, in
 * a public or protected constructor, method, field, superclass or interface, a type from the SDK's
 * internals, from libsignal, OkHttp or Okio (whose versions an app must be free to change, and
 * which differ between the desktop and Android libsignal artifacts), or from the wire protocol
 * (protobuf and its generated classes stay in the connection layer).
 */
class PublicApiTest {
  private static final List<String> FORBIDDEN =
      List.of(
          "org.safehouse.sdk.internal.",
          "org.signal.",
          "okhttp3.",
          "okio.",
          "org.safehouse.protocol.",
          "com.google.protobuf.");

  @Test
  void noPublicClassOfTheSdkPackageExposesAnInternalOrThirdPartyType() throws Exception {
    List<Class<?>> api = publicClassesOfTheApiPackage();
    assertTrue(
        api.contains(SafehouseClient.class) && api.contains(SafehouseException.Reason.class),
        "the scan found the API classes: " + api);
    List<String> leaks = new ArrayList<>();
    for (Class<?> c : api) {
      leaks.addAll(leaks(c));
    }
    assertEquals(List.of(), leaks, "public API members that expose types that are not API");
  }

  @Test
  void theCheckFindsEveryKindOfLeak() {
    assertEquals(
        new TreeSet<>(
            List.of(
                "Leaky extends java.util.ArrayList<org.signal.libsignal.protocol.IdentityKey>",
                "Leaky field store: org.safehouse.sdk.internal.store.LocalStore",
                "Leaky constructor Leaky(...): org.safehouse.sdk.internal.store.LocalStore",
                "Leaky method identities(...): java.util.List<? extends"
                    + " org.signal.libsignal.protocol.IdentityKey>",
                "Leaky method protectedStore(...): org.safehouse.sdk.internal.store.LocalStore",
                "Leaky method throwing(...): org.safehouse.sdk.internal.net.PinMismatchException")),
        new TreeSet<>(leaks(Leaky.class)));
  }

  /** A public class with one leak of each kind, and members that are no leak. */
  @SuppressWarnings("serial")
  public static class Leaky extends java.util.ArrayList<IdentityKey> {
    public LocalStore store;
    LocalStore packagePrivateField; // not API

    public Leaky(LocalStore store) {
      this.store = store;
    }

    public List<? extends IdentityKey> identities() {
      return List.of();
    }

    protected LocalStore protectedStore() {
      return store;
    }

    public void throwing() throws org.safehouse.sdk.internal.net.PinMismatchException {}

    LocalStore packagePrivate() { // not API
      return store;
    }

    public String fine(List<String> names) {
      return String.join(",", names);
    }
  }

  private static List<String> leaks(Class<?> c) {
    List<String> out = new ArrayList<>();
    String name = c.getSimpleName();
    check(out, name + " extends ", c.getGenericSuperclass());
    for (Type i : c.getGenericInterfaces()) {
      check(out, name + " implements ", i);
    }
    for (Field f : c.getDeclaredFields()) {
      if (visible(f) && !f.isSynthetic()) {
        check(out, name + " field " + f.getName() + ": ", f.getGenericType());
      }
    }
    for (Constructor<?> k : c.getDeclaredConstructors()) {
      if (visible(k) && !k.isSynthetic()) {
        checkSignature(out, name + " constructor " + name + "(...): ", k);
      }
    }
    for (Method m : c.getDeclaredMethods()) {
      if (visible(m) && !m.isSynthetic() && !m.isBridge()) {
        String where = name + " method " + m.getName() + "(...): ";
        check(out, where, m.getGenericReturnType());
        checkSignature(out, where, m);
      }
    }
    return out;
  }

  private static void checkSignature(List<String> out, String where, Executable e) {
    for (Type p : e.getGenericParameterTypes()) {
      check(out, where, p);
    }
    for (Type x : e.getGenericExceptionTypes()) {
      check(out, where, x);
    }
    for (TypeVariable<?> v : e.getTypeParameters()) {
      check(out, where, v);
    }
  }

  private static boolean visible(Member m) {
    return Modifier.isPublic(m.getModifiers()) || Modifier.isProtected(m.getModifiers());
  }

  private static void check(List<String> out, String where, Type type) {
    if (type != null && mentionsForbidden(type, new HashSet<>())) {
      out.add(where + type.getTypeName());
    }
  }

  private static boolean mentionsForbidden(Type type, Set<Type> seen) {
    if (!seen.add(type)) {
      return false;
    }
    if (type instanceof Class<?> c) {
      while (c.isArray()) {
        c = c.getComponentType();
      }
      String n = c.getName();
      return FORBIDDEN.stream().anyMatch(n::startsWith);
    }
    if (type instanceof ParameterizedType p) {
      if (mentionsForbidden(p.getRawType(), seen)) {
        return true;
      }
      for (Type a : p.getActualTypeArguments()) {
        if (mentionsForbidden(a, seen)) {
          return true;
        }
      }
      return false;
    }
    if (type instanceof GenericArrayType g) {
      return mentionsForbidden(g.getGenericComponentType(), seen);
    }
    if (type instanceof WildcardType w) {
      return Stream.concat(Stream.of(w.getUpperBounds()), Stream.of(w.getLowerBounds()))
          .anyMatch(b -> mentionsForbidden(b, seen));
    }
    if (type instanceof TypeVariable<?> v) {
      return Stream.of(v.getBounds()).anyMatch(b -> mentionsForbidden(b, seen));
    }
    return false;
  }

  /** Every public class (nested ones too) compiled into org.safehouse.sdk, not its subpackages. */
  private static List<Class<?>> publicClassesOfTheApiPackage()
      throws IOException, URISyntaxException, ClassNotFoundException {
    Path root =
        Path.of(SafehouseClient.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Path pkg = root.resolve("org/safehouse/sdk");
    List<Class<?>> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(pkg)) {
      for (Path f : files.sorted().toList()) {
        String file = f.getFileName().toString();
        if (!file.endsWith(".class") || file.equals("package-info.class")) {
          continue;
        }
        Class<?> c =
            Class.forName(
                "org.safehouse.sdk." + file.substring(0, file.length() - ".class".length()),
                false,
                PublicApiTest.class.getClassLoader());
        if (isPublicAllTheWayOut(c)) {
          out.add(c);
        }
      }
    }
    return out;
  }

  private static boolean isPublicAllTheWayOut(Class<?> c) {
    for (Class<?> k = c; k != null; k = k.getDeclaringClass()) {
      if (!Modifier.isPublic(k.getModifiers()) || k.isAnonymousClass() || k.isLocalClass()) {
        return false;
      }
    }
    return true;
  }
}
