/**
 * The Safehouse client SDK's public API: {@link org.safehouse.sdk.SafehouseClient} (one device:
 * enroll, open, connect, send, receive, verify), the {@link org.safehouse.sdk.ClientOptions} it is
 * opened with, its value types ({@link org.safehouse.sdk.Account}, {@link
 * org.safehouse.sdk.Contact}, {@link org.safehouse.sdk.Case}, {@link
 * org.safehouse.sdk.ReceivedMessage}, {@link org.safehouse.sdk.SendReceipt}, {@link
 * org.safehouse.sdk.Verification}) and its exceptions ({@link org.safehouse.sdk.SafehouseException}
 * with its {@link org.safehouse.sdk.SafehouseException.Reason}, {@link
 * org.safehouse.sdk.WrongPassphraseException}, {@link org.safehouse.sdk.NoStoreException}).
 * Transport failures are {@link java.io.IOException}s.
 *
 * <p>Nothing public here exposes a type of {@code org.safehouse.sdk.internal}, libsignal, OkHttp or
 * the wire protocol ({@code PublicApiTest} checks it). Everything in {@code
 * org.safehouse.sdk.internal} is not API and may change in any release.
 */
package org.safehouse.sdk;
