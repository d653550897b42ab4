"""`counter-app` commands for a dossier's life after reception: the steps, finding dossiers,
the work lists, printing the forms, the register, and synthetic data for trying at scale."""

from __future__ import annotations

import argparse

from counter_app.cli.args import NEEDS_AS, CliError, date_arg, emit, out_file, whole_number
from counter_app.cli.dossier_json import dossier_dict
from counter_app.cli.session import existing_database, open_counter
from counter_app.domain.forwarding import PaperMeans, late_parts
from counter_app.domain.legal_forms import normalise
from counter_app.domain.lifecycle import Step
from counter_app.domain.statuses import Status
from counter_app.paths import default_db_path
from counter_app.store.dossier_queries import DossierQuery, Worklist
from counter_app.store.dossier_store import DossierRow

RATINGS = ["very_satisfied", "satisfied", "not_satisfied"]


def _line(d: DossierRow) -> str:
    return (f"{d.code}  [{int(d.status)}] {d.status.label:<22}  due {d.due_at:%d/%m/%Y %H:%M}"
            f"  {d['applicant_name']}  {d['procedure_name'][:50]}")


def _step_command(step: Step, fields_of):
    def run(args: argparse.Namespace) -> None:
        counter = open_counter(args)
        dossier = counter.step(args.code, step, fields_of(args))
        emit(args, dossier_dict(dossier, steps=counter.steps_allowed_now(dossier)),
             _line(dossier))
    return run


def _return_fields(a: argparse.Namespace) -> dict:
    fields = {"fee_vnd": a.fee, "fee_receipt_no": a.receipt, "rating": a.rating or "",
              "comment": a.comment}
    if a.authorised:
        fields.update(recipient_kind="authorised", recipient_name=a.authorised,
                      recipient_id_number=a.recipient_id, authorisation=a.authorisation)
    if a.by_post is not None:
        fields.update(method="post", postal_ref=a.by_post)
    elif a.at_counter:
        fields["method"] = "counter"
    return fields


STEPS = {
    # command: (step, help, fields from args)
    "handover": (Step.HANDOVER, "hand the dossier over to the unit or person that processes it",
                 lambda a: {"to_unit": a.to, "to_person": a.to_person,
                            "step_due_at": a.step_due, "note": a.note}),
    "request-supplement": (Step.REQUEST_SUPPLEMENT, "ask for missing documents (Mẫu 02); "
                           "the deadline clock stops",
                           lambda a: {"items": a.item, "reason": a.reason, "contact": a.contact,
                                      "contact_phone": a.contact_phone}),
    "resume": (Step.RESUME, "the documents arrived: restart the clock, move the appointment",
               lambda a: {"note": a.note}),
    "request-payment": (Step.REQUEST_PAYMENT, "wait for fees or taxes to be paid",
                        lambda a: {"amount_vnd": a.amount, "note": a.note}),
    "payment-received": (Step.PAYMENT_RECEIVED, "the fees or taxes were paid",
                         lambda a: {"receipt_no": a.receipt}),
    "refuse-on-merits": (Step.REFUSE_ON_MERITS,
                         "record the competent body's written refusal (its number, date, "
                         "signer, reason) as the dossier's result (status 9)",
                         lambda a: {"decision_no": a.decision_no, "decided_at": a.decided_at,
                                    "decided_by": a.decided_by, "reason": a.reason}),
    "withdraw": (Step.WITHDRAW, "the citizen withdraws the dossier",
                 lambda a: {"reason": a.reason}),
    "stop": (Step.STOP, "stop at the citizen's request, before any decision (status 8; "
             "the 2025 Mẫu 05 notice)",
             lambda a: {"reason": a.reason, "requested_at": a.requested_at,
                        "requested_by": a.requested_by}),
    "apologize": (Step.APOLOGIZE, "apologise and set a new appointment, once (Mẫu 04)",
                  lambda a: {"reason": a.reason, "new_due_at": a.new_due}),
    "finish": (Step.FINISH, "the result is ready (status 9); decides early/on time/late",
               lambda a: {"result": a.result, "finished_at": a.at}),
    "return": (Step.RETURN, "hand the result to the citizen (status 10)", _return_fields),
    "send-paper": (Step.SEND_PAPER, "a dossier received for another body: record that its "
                   "paper dossier was sent there (due within one working day)",
                   lambda a: {"by": a.by, "note": a.note}),
    "receive-paper": (Step.RECEIVE_PAPER, "a dossier another commune received for this "
                      "body: record that its paper dossier arrived",
                      lambda a: {"note": a.note}),
}


def _add_step_arguments(name: str, p: argparse.ArgumentParser) -> None:
    p.add_argument("code", help="dossier code (as on the slip's barcode)")
    if name == "handover":
        p.add_argument("--to", required=True, help="receiving unit, e.g. 'Công chức Tư pháp'")
        p.add_argument("--to-person", default="", help="receiving person")
        p.add_argument("--step-due", help="deadline of this step (default: the appointment)")
        p.add_argument("--note", default="", help="a note for the hand-over log (the control slip)")
    elif name == "request-supplement":
        p.add_argument("--item", action="append", required=True,
                       help="a missing or incomplete document (repeat for each)")
        p.add_argument("--reason", required=True, help="why the dossier is incomplete")
        p.add_argument("--contact", help="whom to contact (default: the officer)")
        p.add_argument("--contact-phone", help="(default: the commune's hotline)")
    elif name in ("resume",):
        p.add_argument("--note", default="", help="what the citizen brought")
    elif name == "send-paper":
        p.add_argument("--by", required=True, choices=[m.value for m in PaperMeans],
                       help="how it travels: post (bưu chính công ích), courier (giao liên, "
                            "chuyển phát) or in_person (an officer takes it)")
        p.add_argument("--note", default="", help="e.g. the postal reference, who took it")
    elif name == "receive-paper":
        p.add_argument("--note", default="", help="e.g. what arrived, its state")
    elif name == "request-payment":
        p.add_argument("--amount", required=True, help="amount in đồng")
        p.add_argument("--note", required=True, help="what is to be paid")
    elif name == "payment-received":
        p.add_argument("--receipt", required=True, help="receipt number")
    elif name == "stop":
        p.add_argument("--reason", required=True, help="the citizen's reason, printed on the "
                                                      "notice")
        p.add_argument("--requested-at", help="when the citizen asked (default: now)")
        p.add_argument("--requested-by", default="", help="who asked (default: the applicant)")
    elif name == "refuse-on-merits":
        p.add_argument("--decision-no", required=True, help="the refusal's number, e.g. "
                                                          "'15/TB-UBND'")
        p.add_argument("--decided-at", required=True, help="its date (YYYY-MM-DD or dd/mm/yyyy)")
        p.add_argument("--decided-by", required=True, help="the body or person who signed it")
        p.add_argument("--reason", required=True, help="why the dossier is not resolved")
    elif name == "withdraw":
        p.add_argument("--reason", default="", help="the citizen's reason, if given")
    elif name == "apologize":
        p.add_argument("--new-due", required=True,
                       help="new appointment, ISO (2026-12-10 or 2026-12-10T16:00)")
        p.add_argument("--reason", required=True, help="why the result is late")
    elif name == "finish":
        p.add_argument("--result", default="", help="what the result is")
        p.add_argument("--at", help="when processing finished (default: now)")
    elif name == "return":
        p.add_argument("--authorised", metavar="NAME", help="given to an authorised person")
        p.add_argument("--recipient-id", default="", help="the authorised person's ID number")
        p.add_argument("--authorisation", default="", help="the authorisation document")
        how = p.add_mutually_exclusive_group()
        how.add_argument("--by-post", metavar="POSTAL_REF", help="sent by post, with reference")
        how.add_argument("--at-counter", action="store_true", help="handed over at the counter")
        p.add_argument("--fee", default="0", help="fee collected in đồng")
        p.add_argument("--receipt", default="", help="fee receipt number")
        p.add_argument("--rating", choices=RATINGS, help="the citizen's rating")
        p.add_argument("--comment", default="", help="the citizen's comment, if any")


# -- finding, lists, printing ------------------------------------------------------------
def cmd_find(args: argparse.Namespace) -> None:
    query = DossierQuery(text=" ".join(args.text), procedure_code=args.procedure or "",
                         status=args.status, received_from=args.date_from,
                         received_to=args.date_to, limit=args.limit)
    found = open_counter(args).find(query)
    note = f"\n(showing the newest {args.limit}; narrow the search)" if found.truncated else ""
    emit(args, {"truncated": found.truncated, "dossiers": [dossier_dict(d) for d in found.rows]},
         ("\n".join(_line(d) for d in found.rows) or "no dossier matches") + note)


def cmd_worklist(args: argparse.Namespace) -> None:
    counter = open_counter(args)
    if args.name == "counts":
        counts = counter.worklist_counts()
        emit(args, {k.value: v for k, v in counts.items()},
             "\n".join(f"{k.value:<20} {v:>6}  {k.label}" for k, v in counts.items()))
        return
    rows = counter.worklist(args.name, args.days)
    now = counter.clock()

    def line(d: DossierRow) -> str:
        late = late_parts(d.data, now) if d.is_transfer else []
        return _line(d) + (f"  LATE: {'; '.join(late)}" if late else "")

    emit(args, [dossier_dict(d, now=now) for d in rows],
         "\n".join(line(d) for d in rows) or f"{Worklist(args.name).label}: none")


def cmd_print(args: argparse.Namespace) -> None:
    counter = open_counter(args)
    counter.form_pdf(args.code, args.form, args.out)
    dossier = counter.dossier(args.code)
    form = normalise(args.form, dossier.family)
    emit(args, {"code": dossier.code, "form": form, "family": dossier.family.value,
                "out": str(args.out)},
         f"wrote Mẫu {form} ({dossier.family.label}) to {args.out}")


def cmd_forms(args: argparse.Namespace) -> None:
    dossier, printable = open_counter(args).forms_of(args.code)
    words = dossier.words
    forms = [{"form": n, "title": words.title(words.kind(n)), "printable": n in printable}
             for n in words.per_dossier()]
    lines = [f"{dossier.code}: forms of {words.label}"]
    lines += [f"  Mẫu {f['form']}  {'yes' if f['printable'] else 'no '}  {f['title']}"
              for f in forms]
    emit(args, {"code": dossier.code, "family": dossier.family.value, "forms": forms},
         "\n".join(lines))


def cmd_refuse(args: argparse.Namespace) -> None:
    raise CliError("a dossier is refused at reception, before it is received: use "
                   "'receive ... --refuse REASON' (Mẫu 03). For a received dossier, use "
                   "'refuse-on-merits' (the competent body's written refusal) or 'stop' "
                   "(at the citizen's request).")


def cmd_register(args: argparse.Namespace) -> None:
    if args.out.suffix.lower() not in (".pdf", ".xlsx"):
        raise CliError("--out must end in .pdf or .xlsx")
    count = open_counter(args).register_export(args.date_from, args.date_to, args.out)
    emit(args, {"rows": count, "out": str(args.out)}, f"wrote {count} register rows to {args.out}")


def cmd_generate(args: argparse.Namespace) -> None:
    from counter_app.synthetic.generator import generate

    path = default_db_path(args.db)
    if path.exists():
        existing_database(path)  # never a 0-byte file (a truncated database?) made anew
    stats = generate(path, args.dossiers, args.years, seed=args.seed, end=args.end,
                     desks=args.desks)
    emit(args, stats, f"generated {stats['dossiers']:,} dossiers, {stats['events']:,} events, "
                      f"{stats['applicants']:,} applicants in {stats['seconds']} s into "
                      f"{stats['path']}")


#: Counts given on the command line: 1 or more (1_000 and 1,000 read as 1000).
_count = whole_number(1)


def add_commands(sub, common: argparse.ArgumentParser) -> None:
    for name, (step, help_text, fields_of) in STEPS.items():
        p = sub.add_parser(name, parents=[common], help=help_text + NEEDS_AS)
        _add_step_arguments(name, p)
        p.set_defaults(func=_step_command(step, fields_of))

    p = sub.add_parser("find", parents=[common],
                       help="find dossiers by code, name, ID number, phone, procedure, status"
                            + NEEDS_AS)
    p.add_argument("text", nargs="*", help="words, with or without diacritics, any order")
    p.add_argument("--procedure", help="procedure code")
    p.add_argument("--status", type=int, choices=[int(s) for s in Status],
                   help="national status 1-10")
    p.add_argument("--from", dest="date_from", type=date_arg, help="received on or after")
    p.add_argument("--to", dest="date_to", type=date_arg, help="received on or before")
    p.add_argument("--limit", type=_count, default=500,
                   help="at most this many, newest first (default 500)")
    p.set_defaults(func=cmd_find)

    p = sub.add_parser("worklist", parents=[common],
                       help="what is due, late, waiting" + NEEDS_AS)
    p.add_argument("name", choices=[w.value for w in Worklist] + ["counts"],
                   help="which list, or counts for the number in each")
    p.add_argument("--days", type=int, help="for due_soon: working days ahead "
                                            "(default: the warning setting)")
    p.set_defaults(func=cmd_worklist)

    p = sub.add_parser("print", parents=[common],
                       help="write a dossier's form as PDF" + NEEDS_AS)
    p.add_argument("code", help="the dossier's code")
    p.add_argument("--form", required=True, metavar="NN",
                   help="the form's number in the dossier's family (see 'forms CODE'): "
                        "01-07 for TT 03/2025, 01-05 for TT 01/2018")
    p.add_argument("--out", type=out_file, required=True, metavar="FILE.pdf",
                   help="the PDF to write")
    p.set_defaults(func=cmd_print)

    p = sub.add_parser("forms", parents=[common],
                       help="the forms of a dossier's family, and which can be printed now"
                            + NEEDS_AS)
    p.add_argument("code", help="the dossier's code")
    p.set_defaults(func=cmd_forms)

    p = sub.add_parser("refuse", parents=[common],
                       help="(moved) refusal is at reception: 'receive ... --refuse REASON'")
    p.add_argument("code", nargs="?", help=argparse.SUPPRESS)
    p.add_argument("--reason", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_refuse)

    p = sub.add_parser("register", parents=[common],
                       help="the register (Mẫu 07 of TT 03/2025, 06 of TT 01/2018) for a "
                            "date range, as .pdf or .xlsx"
                            + NEEDS_AS)
    p.add_argument("--from", dest="date_from", type=date_arg, required=True,
                   help="first day received (YYYY-MM-DD or dd/mm/yyyy)")
    p.add_argument("--to", dest="date_to", type=date_arg, required=True,
                   help="last day received")
    p.add_argument("--out", type=out_file, required=True, metavar="FILE",
                   help="FILE.pdf or FILE.xlsx to write")
    p.set_defaults(func=cmd_register)

    p = sub.add_parser("generate", parents=[common],
                       help="fill an empty database with realistic synthetic dossiers "
                            "(for trials; no --as needed)")
    p.add_argument("--dossiers", type=_count, required=True,
                   help="how many dossiers (1,000,000 takes a few minutes)")
    p.add_argument("--years", type=_count, default=1, help="spread over this many years")
    p.add_argument("--seed", type=int, default=1,
                   help="the same seed gives the same data (default 1)")
    p.add_argument("--end", type=date_arg, help="last day of the data (default: today)")
    p.add_argument("--desks", type=_count, default=2, help="receiving desks (1-9, default 2)")
    p.set_defaults(func=cmd_generate)
