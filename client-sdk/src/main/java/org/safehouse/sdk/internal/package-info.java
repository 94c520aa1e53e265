/**
 * Not API: may change in any release. The SDK's internals, in {@code .net} (the connection), {@code
 * .store} (the encrypted stores) and {@code .crypto} (envelopes, padding, prekeys); an app never
 * imports them.
 */
package org.safehouse.sdk.internal;
