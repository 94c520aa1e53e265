/**
 * Not API: may change in any release. Removing metadata (EXIF, GPS position, thumbnails) from files
 * before they are sent.
 *
 * <p>Public only so that {@code org.safehouse.sdk} can reach it across packages.
 */
package org.safehouse.sdk.internal.media;
