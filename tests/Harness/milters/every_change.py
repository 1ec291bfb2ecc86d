"""A milter (pymilter, on Sendmail's libmilter) that asks for each thing the protocol allows,
chosen by the message's Subject, and writes what it was told to a JSON-lines file:
the macros of each stage, the connect and envelope arguments and every header field.

Usage: every_change.py PORT RECORD_FILE
"""
import json
import sys
import time

import Milter

RECORD = sys.argv[2]


def record(**what):
    with open(RECORD, "a", encoding="utf-8") as out:
        out.write(json.dumps(what) + "\n")


class EveryChange(Milter.Base):
    def __init__(self):
        self.subject = ""
        self.headers = []

    # Asks for macros at MAIL FROM (SMFIR_SETSYMLIST) that Postfix does not send there by
    # default. Done here because pymilter 1.0.5's @symlist hands libmilter bytes where it takes
    # str under Python 3, and its negotiation then falls back to asking for nothing.
    def negotiate(self, opts):
        self._actions = opts[0]
        self._ctx.setsymlist(Milter.M_ENVFROM, "i {mail_addr} {client_addr}")
        opts[1] = self._protocol = opts[1] & ~self.protocol_mask()
        opts[2] = opts[3] = 0
        return Milter.CONTINUE

    def connect(self, hostname, family, hostaddr):
        record(event="connect", hostname=hostname, address=hostaddr[0], port=hostaddr[1],
               j=self.getsymval("j"), daemon_name=self.getsymval("{daemon_name}"),
               daemon_addr=self.getsymval("{daemon_addr}"), v=self.getsymval("v"), underscore=self.getsymval("_"))
        return Milter.CONTINUE

    def hello(self, name):
        record(event="helo", name=name)
        return Milter.CONTINUE

    def envfrom(self, sender, *args):
        self.headers = []
        record(event="mail", sender=sender, i=self.getsymval("i"), mail_addr=self.getsymval("{mail_addr}"),
               client_addr=self.getsymval("{client_addr}"))
        return Milter.CONTINUE

    def envrcpt(self, recipient, *args):
        record(event="rcpt", recipient=recipient, rcpt_addr=self.getsymval("{rcpt_addr}"))
        if recipient.lower().startswith("<refused@"):
            self.setreply("550", "5.1.1", "No such user here")
            return Milter.REJECT
        return Milter.CONTINUE

    # Unanswered (SMFIP_NR_HDR): the MTA must not wait for a reply to each field.
    @Milter.noreply
    def header(self, name, value):
        self.headers.append([name, value])
        if name.lower() == "subject":
            self.subject = value
        return Milter.CONTINUE

    def eom(self):
        record(event="eom", headers=self.headers, i=self.getsymval("i"))
        subject = self.subject
        if "modify" in subject:
            self.addheader("X-Added", "added at the end")
            self.addheader("X-First", "inserted first", 0)
            self.chgheader("Subject", 1, "rewritten by the milter")
            self.chgheader("X-Remove-Me", 1, "")
            self.chgheader("X-Absent", 1, "added by change")
            self.addheader("X-Folded", "first line\n\tsecond line")
            self.replacebody(b"The milter replaced this body.\r\n")
            self.addrcpt("<added@dest.test>")
            self.delrcpt("<removed@dest.test>")
            self.chgfrom("<bounces@changed.test>")
            return Milter.CONTINUE
        if "reply" in subject:
            self.setreply("550", "5.7.0", "Refused by the test milter")
            return Milter.REJECT
        if "multiline" in subject:
            self.setreply("451", "4.7.5", "first line", "second line")
            return Milter.TEMPFAIL
        if "tempfail" in subject:
            return Milter.TEMPFAIL
        if "discard" in subject:
            return Milter.DISCARD
        if "accept" in subject:
            self.addheader("X-Accepted", "yes")
            return Milter.ACCEPT
        if "slow" in subject:
            time.sleep(8)
        return Milter.CONTINUE


if __name__ == "__main__":
    Milter.factory = EveryChange
    Milter.set_flags(Milter.ADDHDRS | Milter.CHGHDRS | Milter.CHGBODY | Milter.ADDRCPT | Milter.DELRCPT | Milter.CHGFROM)
    Milter.runmilter("every-change", f"inet:{sys.argv[1]}@127.0.0.1", 60)
