"""inbox_browser: the web inbox in a real browser (Debian's Chromium through
Selenium), against a running `aduan serve` that test/it_inbox.sh started,
with the accounts it made through `aduan user add`.

Run by it_inbox.sh with /usr/bin/python3 (Debian's python3-selenium).  The
environment names the service (ADUAN_URL), its database (ADUAN_DB, read here
with Python's sqlite3 to see what changed and what did not), the aduan
binary and config (for `aduan sms`), the three accounts and where the
screenshots go (INBOX_SHOTS).  One browser for the whole run.  What the
browser cannot tell (an HTTP status, a form posted without its token) is
asked with urllib, with the browser's own session cookie where it matters.

Scenarios (issue 13, "Tests in a real browser"):
  1. a citizen's SMS goes to triage; the triage desk logs in, sees it, routes
     it; the agency logs in, sets in_progress with a note; the citizen's
     status SMS is in the outbox; STATUS by SMS shows the new state
  2. an agency cannot open another agency's ticket by URL nor post its form
     (404, byte for byte the page of a ticket that does not exist; 403 for
     another role's form), the store unchanged
  3. a complaint with HTML and script in it shows as text and runs nothing
  4. a form posted without its CSRF token, with a wrong one, from another
     origin, or with an ended session changes nothing
  5. return to triage and re-route; duplicate marking; the CSV export is
     what the queue shows
Prints one line per check; exits 1 at the first failure (with a
screenshot of the browser's page then, failure.png).
"""

import csv
import http.cookiejar
import io
import os
import re
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import (NoAlertPresentException, NoSuchElementException,
                                        WebDriverException)
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

URL = os.environ["ADUAN_URL"]
DB = os.environ["ADUAN_DB"]
BIN = os.environ["ADUAN_BIN"]
CONF = os.environ["ADUAN_CONF"]
SHOTS = os.environ.get("INBOX_SHOTS", "")
TRIAGE = (os.environ["INBOX_TRIAGE_USER"], os.environ["INBOX_TRIAGE_PASSWORD"])
DPUPR = (os.environ["INBOX_DPUPR_USER"], os.environ["INBOX_DPUPR_PASSWORD"])
DLH = (os.environ["INBOX_DLH_USER"], os.environ["INBOX_DLH_PASSWORD"])
START = time.time()
driver = None


class Failed(Exception):
    pass


def ok(what):
    print("ok   %3ds  %s" % (time.time() - START, what), flush=True)


def check(cond, what, detail=""):
    if not cond:
        raise Failed(what + (": " + str(detail)[:2000] if detail else ""))
    ok(what)


# ---- the service and its store ---------------------------------------------

def sms(phone, text):
    """`aduan sms` against the service: the reply the phone would get."""
    out = subprocess.run([BIN, "sms", "-c", CONF, "--url", URL, phone, text],
                         capture_output=True, text=True, timeout=20)
    if out.returncode != 0:
        raise Failed("aduan sms %s %r: exit %d: %s" % (phone, text, out.returncode, out.stderr))
    return out.stdout.strip()


def ticket_in(reply):
    m = re.search(r"(?<!\d)(\d{8})(?!\d)", reply)
    if m is None:
        raise Failed("no ticket number in the reply %r" % reply)
    return m.group(1)


def db(query, *args):
    con = sqlite3.connect("file:%s?mode=ro" % DB, uri=True, timeout=5)
    try:
        return con.execute(query, args).fetchall()
    finally:
        con.close()


def snapshot(ticket):
    """What a change would change: status, agency, events, outbox rows, audit rows."""
    return db("SELECT c.status, c.agency,"
              " (SELECT count(*) FROM events e WHERE e.complaint_id = c.id),"
              " (SELECT count(*) FROM outbox o WHERE o.complaint_id = c.id)"
              " FROM complaints c WHERE c.ticket = ?", ticket)[0]


def status_of(ticket):
    return db("SELECT status, agency FROM complaints WHERE ticket = ?", ticket)[0]


def last_sms(ticket):
    rows = db("SELECT o.body FROM outbox o JOIN complaints c ON c.id = o.complaint_id"
              " WHERE c.ticket = ? AND o.kind = 'sms' ORDER BY o.id DESC LIMIT 1", ticket)
    return rows[0][0] if rows else ""


# ---- HTTP without the browser ----------------------------------------------

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def http(method, path, fields=None, cookie=None, headers=None):
    """One request, redirects not followed: (status, headers, body text)."""
    data = urllib.parse.urlencode(fields).encode() if fields is not None else None
    req = urllib.request.Request(URL + path, data=data, method=method)
    if cookie:
        req.add_header("Cookie", "aduan_session=" + cookie)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(req, timeout=20) as r:
            return r.status, r.headers, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode("utf-8", "replace")


def api_login(user):
    """A session of user's own, outside the browser: (cookie, csrf)."""
    st, hd, _ = http("POST", "/inbox/login", {"login": user[0], "password": user[1]})
    check(st == 303, "urllib login of %s: 303" % user[0], st)
    m = re.search(r"aduan_session=([0-9a-f]{64})", hd.get("Set-Cookie", ""))
    cookie = m.group(1)
    st, _, body = http("GET", "/inbox/queue", cookie=cookie)
    m = re.search(r'name="csrf" value="([0-9a-f]+)"', body)
    return cookie, m.group(1)


# ---- the browser -----------------------------------------------------------

def start_browser():
    o = Options()
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=1280,900", "--lang=id"):
        o.add_argument(a)
    o.binary_location = "/usr/bin/chromium"
    o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    d = webdriver.Chrome(service=Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")),
                         options=o)
    d.set_page_load_timeout(20)
    return d


def go(path):
    driver.get(URL + path)


def click(el):
    """Clicks el (a submit button, a link) and waits until the next page has loaded."""
    driver.execute_script("document.documentElement.dataset.before = 'click'")
    el.click()
    end = time.time() + 15
    while time.time() < end:
        try:
            if driver.execute_script("return document.readyState === 'complete' && "
                                     "document.documentElement.dataset.before === undefined"):
                return
        except WebDriverException:
            pass        # between two pages
        time.sleep(0.05)
    raise Failed("no new page within 15 s of a click (at %s)" % driver.current_url)


def submit(f):
    click(f.find_element(By.CSS_SELECTOR, "button[type=submit]"))


def text():
    return driver.find_element(By.TAG_NAME, "body").text


def h1():
    return driver.find_element(By.TAG_NAME, "h1").text


def login(user):
    go("/inbox/login")
    driver.find_element(By.NAME, "login").send_keys(user[0])
    driver.find_element(By.NAME, "password").send_keys(user[1])
    click(driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))
    check(driver.current_url.endswith("/inbox/queue"), "%s logs in and lands on the queue" % user[0],
          driver.current_url)


def logout():
    click(driver.find_element(By.CSS_SELECTOR, "header form button"))
    check("/inbox/login" in driver.current_url, "logged out", driver.current_url)


def form(action, status=None):
    """The form posting `action` (and `status`) on this page, its <details> opened."""
    xp = "//form[input[@name='action' and @value='%s']" % action
    if status is not None:
        xp += " and input[@name='status' and @value='%s']" % status
    f = driver.find_element(By.XPATH, xp + "]")
    det = f.find_element(By.XPATH, "./ancestor::details")
    if det.get_attribute("open") is None:
        det.find_element(By.TAG_NAME, "summary").click()
    return f


def write(f, name, value):
    el = f.find_element(By.NAME, name)
    el.clear()
    el.send_keys(value)


def no_alert(what):
    try:
        a = driver.switch_to.alert
        msg = a.text
        a.accept()
        raise Failed("%s: an alert ran: %r" % (what, msg))
    except NoAlertPresentException:
        ok("%s: no alert" % what)


def shot(name):
    if not SHOTS:
        return
    width = 1280 if not name.endswith("-phone") else 390
    driver.set_window_size(width, 900)
    height = driver.execute_script(
        "return Math.max(document.documentElement.scrollHeight, document.body.scrollHeight, 600)")
    driver.set_window_size(width, min(int(height) + 160, 5000))
    driver.save_screenshot(os.path.join(SHOTS, name + ".png"))
    driver.set_window_size(1280, 900)


def console_csp():
    """Messages the browser logged about the Content-Security-Policy (none expected)."""
    return [e["message"] for e in driver.get_log("browser")
            if "Content Security Policy" in e["message"] or "Content-Security-Policy" in e["message"]]


# ---- the scenarios ---------------------------------------------------------

PHONE1, PHONE3, PHONE5, PHONE6, PHONE7 = ("081234567890", "081234500003", "081234500005",
                                          "081234500006", "081234500007")


def scenario_1():
    t = ticket_in(sms(PHONE1, "Ada masalah besar di depan balai desa kami sejak kemarin"))
    check(status_of(t) == ("received", "diskominfo"), "1: the SMS %s went to triage" % t,
          status_of(t))
    login(TRIAGE)
    check(t in text(), "1: triage sees %s in its queue" % t)
    click(driver.find_element(By.LINK_TEXT, t))
    check(h1().startswith("Tiket " + t), "1: the ticket's page", h1())
    f = form("route")
    Select(f.find_element(By.NAME, "agency")).select_by_value("dpupr")
    write(f, "note", "Diteruskan ke DPUPR untuk ditangani.")
    submit(f)
    check("done=route" in driver.current_url and "Tersimpan." in text(),
          "1: routed, back on the ticket with a notice", driver.current_url)
    check(status_of(t) == ("routed", "dpupr"), "1: the store has it routed to dpupr", status_of(t))
    logout()

    login(DPUPR)
    check(t in text(), "1: dpupr sees %s in its queue" % t)
    click(driver.find_element(By.LINK_TEXT, t))
    f = form("status", "in_progress")
    note = f.find_element(By.NAME, "note")
    check(note.get_attribute("value") != "", "1: the in_progress form starts with a canned note",
          note.get_attribute("value"))
    write(f, "note", "Tim kami akan datang besok pagi.")
    submit(f)
    check(status_of(t)[0] == "in_progress", "1: the store has it in_progress", status_of(t))
    body = last_sms(t)
    check(body.startswith("Tiket %s: sedang ditangani" % t) and "Tim kami akan datang besok pagi"
          in body, "1: the citizen's status SMS is in the outbox", body)
    check("SMS ke pelapor" in text() and "Tim kami akan datang besok pagi" in text(),
          "1: the thread shows the SMS with its delivery state")
    reply = sms(PHONE1, "STATUS " + t)
    check("sedang ditangani" in reply, "1: STATUS by SMS shows the new state", reply)
    logout()
    return t


def scenario_2(t):
    login(DLH)
    go("/inbox/t/" + t)
    check(h1() == "Tidak ditemukan", "2: dlh opening dpupr's ticket by URL: not found", h1())
    cookie = driver.get_cookie("aduan_session")["value"]
    go("/inbox/queue")
    csrf = driver.find_element(By.NAME, "csrf").get_attribute("value")
    st, _, theirs = http("GET", "/inbox/t/" + t, cookie=cookie)
    st0, _, none = http("GET", "/inbox/t/00000000", cookie=cookie)
    check(st == 404 and st0 == 404 and theirs == none,
          "2: 404, the very page of a ticket that does not exist", (st, st0))
    before = snapshot(t)
    for fields in ({"action": "status", "status": "resolved", "note": "x"},
                   {"action": "note", "to": "citizen", "note": "bukan urusan kami"},
                   {"action": "route", "agency": "dlh"}):
        fields["csrf"] = csrf
        st, _, _ = http("POST", "/inbox/t/%s/act" % t, fields, cookie=cookie)
        check(st == 404, "2: dlh posting %s on dpupr's ticket: 404" % fields["action"], st)
    check(snapshot(t) == before, "2: the store unchanged", (before, snapshot(t)))
    logout()
    # The holder posting a form of another role: 403, nothing changed.
    cookie, csrf = api_login(DPUPR)
    st, _, _ = http("POST", "/inbox/t/%s/act" % t, {"action": "route", "agency": "dlh",
                                                   "csrf": csrf}, cookie=cookie)
    check(st == 403, "2: dpupr posting triage's route form: 403", st)
    check(snapshot(t) == before, "2: the store unchanged", (before, snapshot(t)))


def scenario_3():
    evil = '<script>alert("xss")</script><img src=x onerror=alert(2)> tolong <b>segera</b> diperbaiki pak'
    t = ticket_in(sms(PHONE3, evil))
    login(TRIAGE)
    no_alert("3: the queue with the complaint")
    check(evil in text(), "3: the queue shows the text literally")
    go("/inbox/t/" + t)
    no_alert("3: the ticket's page")
    desc = driver.find_element(By.ID, "description").text
    check(desc == evil, "3: the ticket shows the text literally", desc)
    check(driver.find_elements(By.CSS_SELECTOR, "main img, main b, script") == [],
          "3: no element came from the complaint's markup")
    check(console_csp() == [], "3: nothing tried to run (no CSP report)", console_csp())
    logout()


def scenario_4(t):
    cookie, csrf = api_login(DPUPR)
    before = snapshot(t)
    act = "/inbox/t/%s/act" % t
    note = {"action": "note", "to": "citizen", "note": "catatan palsu"}
    st, _, _ = http("POST", act, note, cookie=cookie)
    check(st == 403, "4: a form without its CSRF token: 403", st)
    st, _, _ = http("POST", act, dict(note, csrf="0" * 64), cookie=cookie)
    check(st == 403, "4: a form with another token: 403", st)
    st, _, _ = http("POST", act, dict(note, csrf=csrf), cookie=cookie,
                    headers={"Origin": "http://evil.example"})
    check(st == 403, "4: a form from another origin: 403", st)
    check(snapshot(t) == before, "4: the store unchanged", (before, snapshot(t)))
    st, hd, _ = http("POST", "/inbox/logout", {"csrf": csrf}, cookie=cookie)
    check(st == 303, "4: logout", st)
    st, _, _ = http("POST", act, dict(note, csrf=csrf), cookie=cookie)
    check(st == 403, "4: the token of an ended session: 403", st)
    st, hd, _ = http("GET", "/inbox/t/" + t, cookie=cookie)
    check(st == 303 and "/inbox/login" in hd.get("Location", ""),
          "4: a page with an ended session goes to the login form", (st, hd.get("Location")))
    check(snapshot(t) == before, "4: the store unchanged", (before, snapshot(t)))
    # A form of a live session, with its token, from our origin: accepted, audited.
    cookie, csrf = api_login(DPUPR)
    st, _, _ = http("POST", act, {"action": "note", "to": "citizen", "csrf": csrf,
                                  "note": "Mohon kirim foto lokasi bila ada."},
                    cookie=cookie, headers={"Origin": URL})
    check(st == 303, "4: a form with its token and our origin: 303", st)
    check(db("SELECT login, action FROM audit_log a JOIN complaints c ON c.id = a.complaint_id"
             " WHERE c.ticket = ? ORDER BY a.id DESC LIMIT 1", t) == [(DPUPR[0], "ticket_note")],
          "4: the audit log says who did it")
    # Repeated failed logins slow down, and the form says for how long.
    for i in range(12):
        st, hd, body = http("POST", "/inbox/login", {"login": "tamu", "password": "salah-%d" % i})
        if st == 429:
            break
    check(st == 429 and "Coba lagi dalam" in body and hd.get("Retry-After", "").isdigit(),
          "4: repeated failed logins: 'coba lagi dalam N detik'", (st, hd.get("Retry-After")))


def scenario_5():
    # Return to triage, taken back, re-routed.
    t5 = ticket_in(sms(PHONE5, "JALAN Jl. Diponegoro berlubang dalam sekali"))
    check(status_of(t5) == ("routed", "dpupr"), "5: a JALAN complaint routed to dpupr", status_of(t5))
    login(DPUPR)
    go("/inbox/t/" + t5)
    f = form("return")
    write(f, "reason", "Jalan provinsi, bukan wewenang kabupaten.")
    submit(f)
    check(status_of(t5)[1] == "diskominfo", "5: returned to triage", status_of(t5))
    logout()
    login(TRIAGE)
    go("/inbox/t/" + t5)
    f = form("takeback")
    submit(f)
    check("done=takeback" in driver.current_url, "5: triage takes it back", driver.current_url)
    go("/inbox/t/" + t5)
    f = form("route")
    Select(f.find_element(By.NAME, "agency")).select_by_value("dlh")
    submit(f)
    check(status_of(t5) == ("routed", "dlh"), "5: triage re-routes it to dlh", status_of(t5))

    # A duplicate: rejected, linked, and the reporter told the original's number.
    t6 = ticket_in(sms(PHONE6, "Ada pohon tumbang menutup gang di belakang pasar"))
    t7 = ticket_in(sms(PHONE7, "Pohon tumbang menutup gang belakang pasar sejak pagi"))
    go("/inbox/t/" + t7)
    f = form("reject")
    f.find_element(By.CSS_SELECTOR, "input[name=kind][value=duplicate]").click()
    write(f, "duplicate_of", t6)
    submit(f)
    check(status_of(t7)[0] == "rejected", "5: the duplicate is rejected", status_of(t7))
    check(t6 in last_sms(t7), "5: the reporter's SMS names the original ticket", last_sms(t7))
    check(t6 in text(), "5: the ticket's history names the original")

    # The CSV export is what the queue shows.
    go("/inbox/queue?status=all&agency=*")
    rows = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "tbody tr td:first-child a")]
    href = driver.find_element(By.PARTIAL_LINK_TEXT, "CSV").get_attribute("href")
    cookie = driver.get_cookie("aduan_session")["value"]
    st, hd, body = http("GET", urllib.parse.urlparse(href).path + "?" +
                        urllib.parse.urlparse(href).query, cookie=cookie)
    check(st == 200 and hd.get("Content-Type", "").startswith("text/csv"), "5: the CSV export",
          (st, hd.get("Content-Type")))
    check("\r\n" in body and "\n" not in body.replace("\r\n", ""),
          "5: CRLF line ends (RFC 4180)")
    table = list(csv.reader(io.StringIO(body, newline="")))
    check(table[0][:3] == ["ticket", "received_at", "status"], "5: the CSV's header", table[0])
    check([r[0] for r in table[1:]] == rows and len(rows) >= 5,
          "5: the CSV has the queue's tickets in its order (%d)" % len(rows),
          ([r[0] for r in table[1:]], rows))
    check("81234567890" not in body and "+62812****890" in body, "5: numbers masked in the CSV")
    check(any('<script>alert("xss")</script>' in c for r in table for c in r),
          "5: the CSV keeps the citizen's text as text")
    logout()


def screenshots(t):
    """login, queue, ticket, dashboard (and the queue on a phone), for README."""
    go("/inbox/login")
    shot("login")
    login(TRIAGE)
    go("/inbox/queue?status=all&agency=*")
    shot("queue")
    shot("queue-phone")
    go("/inbox/t/" + t)
    shot("ticket")
    go("/inbox/dashboard")
    check("<svg" in driver.page_source and "Aduan per minggu per instansi" in text(),
          "the dashboard draws its chart")
    shot("dashboard")
    go("/inbox/dashboard?lang=en")
    check("Complaints per week per agency" in text(), "the dashboard in English")
    go("/inbox/queue?lang=id")
    logout()


def main():
    global driver
    driver = start_browser()
    try:
        t = scenario_1()
        scenario_2(t)
        scenario_3()
        scenario_4(t)
        scenario_5()
        screenshots(t)
    except (Failed, WebDriverException, AssertionError) as e:
        print("FAIL: %s" % e, flush=True)
        try:
            print("  at %s" % driver.current_url)
            if SHOTS:
                driver.save_screenshot(os.path.join(SHOTS, "failure.png"))
            print(text()[:3000])
        except Exception:
            pass
        return 1
    finally:
        driver.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
