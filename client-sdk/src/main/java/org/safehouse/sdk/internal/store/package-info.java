/**
 * Not API: may change in any release. The encrypted local store in the home folder
 * (Argon2id-wrapped key, AES-GCM records, atomic batches) and libsignal's protocol state kept in
 * it.
 *
 * <p>Public only so that {@code org.safehouse.sdk} (and the project's own benchmarks) can reach it
 * across packages; apps use {@link org.safehouse.sdk.SafehouseClient} and its value and exception
 * types instead.
 */
package org.safehouse.sdk.internal.store;
