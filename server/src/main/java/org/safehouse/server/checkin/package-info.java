/**
 * Check-ins (the dead-man switch): a schedule per case, the client's check-ins, the sweeper that
 * raises an alert to the team when one is missed (and deletes the client's account if the case is
 * set to), and the alerts waiting for the team's devices.
 */
package org.safehouse.server.checkin;
