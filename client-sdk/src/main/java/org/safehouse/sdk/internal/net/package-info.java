/**
 * Not API: may change in any release. The pinned TLS 1.3 WebSocket connection to the server
 * (OkHttp), its trust manager and socket factory.
 *
 * <p>Public only so that {@code org.safehouse.sdk} (and the project's own benchmarks) can reach it
 * across packages; apps use {@link org.safehouse.sdk.SafehouseClient} and its value and exception
 * types instead.
 */
package org.safehouse.sdk.internal.net;
