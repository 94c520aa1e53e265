package org.safehouse.sdk;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.safehouse.protocol.wire.AddCaseworker;
import org.safehouse.protocol.wire.ClientFrame;
import org.safehouse.protocol.wire.CloseCase;
import org.safehouse.protocol.wire.HandOver;
import org.safehouse.protocol.wire.ListCases;
import org.safehouse.protocol.wire.RemoveCaseworker;
import org.safehouse.protocol.wire.Response;
import org.safehouse.sdk.SafehouseException.Reason;
import org.safehouse.sdk.internal.store.Hex;

/** The casework requests of {@link SafehouseClient}: listing cases and changing their teams. */
final class Casework {
  private final ServerLink link;

  Casework(ServerLink link) {
    this.link = link;
  }

  List<Case> cases() throws IOException, SafehouseException {
    Response response = link.call(ClientFrame.newBuilder().setListCases(ListCases.newBuilder()));
    List<Case> out = new ArrayList<>();
    for (org.safehouse.protocol.wire.Case c : response.getCases().getCasesList()) {
      out.add(caseOf(c));
    }
    return out;
  }

  Case addCaseworker(String caseId, String caseworker) throws IOException, SafehouseException {
    return team(
        ClientFrame.newBuilder()
            .setAddCaseworker(
                AddCaseworker.newBuilder()
                    .setCaseId(caseIdBytes(caseId))
                    .setCaseworkerAccountId(accountBytes(caseworker))));
  }

  Case removeCaseworker(String caseId, String caseworker) throws IOException, SafehouseException {
    return team(
        ClientFrame.newBuilder()
            .setRemoveCaseworker(
                RemoveCaseworker.newBuilder()
                    .setCaseId(caseIdBytes(caseId))
                    .setCaseworkerAccountId(accountBytes(caseworker))));
  }

  Case handOver(String caseId, String caseworker) throws IOException, SafehouseException {
    return team(
        ClientFrame.newBuilder()
            .setHandOver(
                HandOver.newBuilder()
                    .setCaseId(caseIdBytes(caseId))
                    .setCaseworkerAccountId(accountBytes(caseworker))));
  }

  void closeCase(String caseId) throws IOException, SafehouseException {
    link.call(
        ClientFrame.newBuilder()
            .setCloseCase(CloseCase.newBuilder().setCaseId(caseIdBytes(caseId))));
  }

  private Case team(ClientFrame.Builder request) throws IOException, SafehouseException {
    return caseOf(link.call(request).getCaseTeam());
  }

  private static ByteString accountBytes(String accountId) throws SafehouseException {
    return ByteString.copyFrom(Peers.accountId(accountId));
  }

  static ByteString caseIdBytes(String caseId) throws SafehouseException {
    String h = caseId == null ? "" : caseId.trim().toLowerCase(Locale.ROOT);
    try {
      if (h.length() == 32) {
        return ByteString.copyFrom(Hex.parse(h));
      }
    } catch (IllegalArgumentException e) {
      // fall through
    }
    throw new SafehouseException(
        Reason.UNKNOWN_CASE, "A case id is 32 hex characters, as 'cases' prints it; check it.");
  }

  static Case caseOf(org.safehouse.protocol.wire.Case c) {
    List<String> team = new ArrayList<>();
    for (ByteString m : c.getTeamList()) {
      team.add(Hex.format(m.toByteArray()));
    }
    return new Case(
        Hex.format(c.getCaseId().toByteArray()),
        Hex.format(c.getClientAccountId().toByteArray()),
        team);
  }
}
