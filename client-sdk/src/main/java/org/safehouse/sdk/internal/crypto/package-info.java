/**
 * Not API: may change in any release. Signal message envelopes, content padding and prekey
 * generation.
 *
 * <p>Public only so that {@code org.safehouse.sdk} (and the project's own benchmarks) can reach it
 * across packages; apps use {@link org.safehouse.sdk.SafehouseClient} and its value and exception
 * types instead.
 */
package org.safehouse.sdk.internal.crypto;
