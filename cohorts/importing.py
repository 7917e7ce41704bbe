"""Bulk import of employees from a CSV file: validated whole, then applied all at once.

A file is checked completely before anything is saved. Any problem (a bad email, a
duplicate row, a wrong column, text that is not UTF-8, an empty or oversized file)
rejects the whole file, with every problem listed by line. A good file creates the
missing accounts without a password, adds everyone to their cohort, and queues the
emails: a set-password link for each new account, and for each existing account a notice
that it was added (so nobody is added to a cohort, where a manager reads their
progress, without knowing). The task worker sends them, so the import never waits for
the mail server. Importing the same file again changes nothing.

What the importing manager is told never says which addresses already had accounts.
With DJANGO_COHORT_DOMAINS set, only addresses at those domains can be imported.
"""

import csv
import io
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import tasks
from .models import Cohort, Membership

MAX_BYTES = 1_000_000
MAX_ROWS = 5_000
REQUIRED_COLUMNS = ("email", "name")
OPTIONAL_COLUMNS = ("cohort",)


def normalise_domain(domain: str) -> str:
    """A domain as the site's email rule writes it in a normalised address."""
    return get_user_model().objects.normalize_email(f"x@{domain}").rpartition("@")[2]


@dataclass(frozen=True)
class ImportRow:
    line: int
    email: str
    name: str
    cohort: Cohort


class ImportConflictError(Exception):
    """Another request created some of the same accounts while this import ran."""


def line_problem(line: int, reason: str) -> str:
    return _("line %(line)s: %(reason)s") % {"line": line, "reason": reason}


class CohortNames:
    """Finds the cohort a row names, by name (any case) or address, among those allowed."""

    def __init__(self, cohorts):
        self.by_slug = {}
        self.by_name = defaultdict(list)
        for cohort in cohorts:
            self.by_slug[cohort.slug] = cohort
            self.by_name[cohort.name.casefold()].append(cohort)

    def find(self, text: str) -> Cohort | str:
        """The cohort, or the reason there is none."""
        matches = self.by_name.get(text.casefold()) or (
            [self.by_slug[text]] if text in self.by_slug else []
        )
        if len(matches) == 1:
            return matches[0]
        if matches:
            return _("more than one cohort is called “%(name)s”: use its address, %(slugs)s") % {
                "name": text,
                "slugs": ", ".join(sorted(cohort.slug for cohort in matches)),
            }
        return _("there is no cohort of yours called “%(name)s”") % {"name": text}


def decode(data: bytes) -> tuple[str, list[str]]:
    """The text of the file, or the problems that stop it being read."""
    if len(data) > MAX_BYTES:
        return "", [
            _("The file is larger than %(size)s MB: split it into smaller files.")
            % {"size": MAX_BYTES // 1_000_000}
        ]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        bad_lines = []
        for number, raw in enumerate(data.removeprefix(b"\xef\xbb\xbf").split(b"\n"), start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                bad_lines.append(number)
        reason = _("this is not UTF-8 text: save the file as “CSV UTF-8” and upload it again")
        return "", [line_problem(number, reason) for number in bad_lines]
    if not text.strip():
        return "", [_("The file is empty.")]
    if "\x00" in text:
        reason = _("it holds a NUL character, so this is not a CSV text file")
        lines = [n for n, line in enumerate(text.split("\n"), start=1) if "\x00" in line]
        return "", [line_problem(number, reason) for number in lines]
    return text, []


def check_header(fieldnames: list[str]) -> list[str]:
    expected = ", ".join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)
    problems = []
    for column in REQUIRED_COLUMNS:
        if column not in fieldnames:
            problems.append(_("the column “%(column)s” is missing") % {"column": column})
    for column in fieldnames:
        if column not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS:
            problems.append(_("“%(column)s” is not a column we know") % {"column": column})
        elif fieldnames.count(column) > 1:
            problems.append(_("the column “%(column)s” appears twice") % {"column": column})
    if problems:
        problems.append(_("the first line must name the columns: %(names)s") % {"names": expected})
    return [line_problem(1, problem) for problem in dict.fromkeys(problems)]


@dataclass
class RowChecker:
    """Checks rows one by one, remembering what earlier lines held."""

    cohorts: CohortNames
    default_cohort: Cohort | None
    problems: list[str] = field(default_factory=list)
    first_line: dict = field(default_factory=dict)  # (email, cohort id) -> line
    names: dict = field(default_factory=dict)  # email -> (name, line)

    def check(self, line: int, values: dict, width: int) -> ImportRow | None:
        # DictReader puts surplus cells under the key None and fills short rows with None.
        surplus = values.pop(None, [])
        missing = [column for column, value in values.items() if value is None]
        if surplus or missing:
            found = width + len(surplus) - len(missing)
            self.fail(
                line, _("it has %(found)s cells, not %(width)s") % {"found": found, "width": width}
            )
            return None
        before = len(self.problems)
        # The site's one rule for when two addresses are the same person.
        email = get_user_model().objects.normalize_email(values["email"])
        name = " ".join(values["name"].split())
        if self.person(line, email, name):
            self.domain(line, email)
        if any(unicodedata.category(character) == "Cc" for character in name):
            self.fail(line, _("the name holds a control character"))
        cohort = self.cohort(line, values.get("cohort", "").strip())
        if len(self.problems) > before:
            return None
        return self.unique(ImportRow(line, email, name, cohort))

    def person(self, line: int, email: str, name: str) -> bool:
        """The User model's own rules for the two columns (given, not too long, a
        well-formed address), each problem named by the field's label."""
        User = get_user_model()
        others = [f.name for f in User._meta.fields if f.name not in ("email", "name")]
        try:
            User(email=email, name=name).clean_fields(exclude=others)
        except ValidationError as error:
            for name_of_field, messages in error.message_dict.items():
                label = User._meta.get_field(name_of_field).verbose_name
                for message in messages:
                    problem = _("%(field)s: %(message)s") % {"field": label, "message": message}
                    self.fail(line, problem)
            return False
        return True

    def domain(self, line: int, email: str) -> None:
        domains = [normalise_domain(domain) for domain in settings.COHORT_DOMAINS]
        if domains and email.rpartition("@")[2] not in domains:
            self.fail(
                line,
                _("“%(email)s” is not an address of your organisation (%(domains)s)")
                % {"email": email, "domains": ", ".join(domains)},
            )

    def cohort(self, line: int, text: str) -> Cohort | None:
        if not text:
            if self.default_cohort is None:
                self.fail(
                    line, _("no cohort: choose one on the form or fill in the cohort column")
                )
            return self.default_cohort
        found = self.cohorts.find(text)
        if isinstance(found, Cohort):
            return found
        self.fail(line, found)
        return None

    def unique(self, row: ImportRow) -> ImportRow | None:
        earlier = self.first_line.setdefault((row.email, row.cohort.pk), row.line)
        if earlier != row.line:
            self.fail(
                row.line,
                _("%(email)s is also on line %(earlier)s")
                % {"email": row.email, "earlier": earlier},
            )
            return None
        name, name_line = self.names.setdefault(row.email, (row.name, row.line))
        if name != row.name:
            self.fail(
                row.line,
                _("%(email)s is called “%(name)s” on line %(earlier)s")
                % {"email": row.email, "name": name, "earlier": name_line},
            )
            return None
        return row

    def fail(self, line: int, reason: str) -> None:
        self.problems.append(line_problem(line, reason))


def parse(
    data: bytes, cohorts, default_cohort: Cohort | None
) -> tuple[list[ImportRow], list[str]]:
    """Check a whole file. (rows, []) when it can be imported, else ([], every problem).

    `cohorts` are those the importing person may add people to; `default_cohort` takes
    the rows that name no cohort.
    """
    text, problems = decode(data)
    if problems:
        return [], problems
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    checker = RowChecker(CohortNames(cohorts), default_cohort)
    rows = []
    try:
        reader.fieldnames = [column.strip().lower() for column in reader.fieldnames]
        problems = check_header(reader.fieldnames)
        if problems:
            return [], problems
        read = 0
        last_line = 1
        for values in reader:
            cells = [value for key, value in values.items() if key is not None]
            if not any((cell or "").strip() for cell in cells + values.get(None, [])):
                continue  # a blank row, as spreadsheets leave at the end
            read += 1
            if read > MAX_ROWS:
                checker.problems.append(
                    _("The file has more than %(max)s rows: split it into smaller files.")
                    % {"max": f"{MAX_ROWS:,}"}
                )
                break
            row = checker.check(reader.line_num, values, len(reader.fieldnames))
            if row:
                rows.append(row)
            last_line = reader.line_num
    except csv.Error as error:
        # The record that failed starts on the line after the last one read.
        checker.fail(
            last_line + 1, _("this line cannot be read as CSV (%(error)s)") % {"error": error}
        )
    if not rows and not checker.problems:
        checker.problems.append(_("The file names the columns but has no employees in it."))
    return ([], checker.problems) if checker.problems else (rows, [])


@dataclass
class ImportResult:
    created: int = 0
    added: int = 0
    already: int = 0
    cohorts: set = field(default_factory=set)

    def summary(self) -> str:
        """What the manager is told: never how many of the people already had accounts."""
        parts = [
            ngettext("%(count)s membership added", "%(count)s memberships added", self.added)
            % {"count": self.added},
            ngettext("%(count)s already a member", "%(count)s already members", self.already)
            % {"count": self.already},
        ]
        text = _("Import complete: %(parts)s.") % {"parts": ", ".join(parts)}
        if self.added:
            text += " " + _("Everyone added is being emailed to say so.")
        return text


def apply(rows: list[ImportRow], *, invited_by, base_url: str) -> ImportResult:
    """Create the missing accounts and memberships and queue their emails, all or nothing.

    Existing accounts and memberships are left as they are, so a second import of the
    same file creates nothing and emails nobody.
    """
    User = get_user_model()
    result = ImportResult(cohorts={row.cohort for row in rows})
    try:
        with transaction.atomic():
            names = {row.email: row.name for row in rows}
            users = {user.email: user for user in User.objects.filter(email__in=names)}
            new_users = []
            for email in names.keys() - users.keys():
                user = User(email=email, name=names[email])
                user.set_unusable_password()
                new_users.append(user)
            # Another import creating the same address at once makes this fail whole.
            User.objects.bulk_create(new_users)
            users.update((user.email, user) for user in new_users)
            wanted = {(row.cohort.pk, users[row.email].pk) for row in rows}
            have = set(
                Membership.objects.filter(
                    cohort__in={cohort for cohort, _user in wanted},
                    user__in={user for _cohort, user in wanted},
                ).values_list("cohort_id", "user_id")
            )
            Membership.objects.bulk_create(
                [Membership(cohort_id=c, user_id=u) for c, u in wanted - have],
                ignore_conflicts=True,  # a concurrent import of the same member is harmless
            )
            created = {user.pk for user in new_users}
            emails = {}  # user id: ("welcome" or "added", cohort ids)
            for row in rows:
                user_id = users[row.email].pk
                if user_id in created:
                    emails.setdefault(user_id, ("welcome", []))[1].append(row.cohort.pk)
                elif (row.cohort.pk, user_id) not in have:
                    emails.setdefault(user_id, ("added", []))[1].append(row.cohort.pk)
            # In the same transaction: the emails exist exactly when the memberships do.
            tasks.enqueue_import_emails(emails, inviter_id=invited_by.pk, base_url=base_url)
    except IntegrityError as error:
        raise ImportConflictError from error
    result.created = len(new_users)
    result.added = len(wanted - have)
    result.already = len(wanted & have)
    return result
