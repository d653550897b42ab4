"""`counter-app receive`: a dossier received at the counter (or refused at the reception
check), its applicant from the options or from the chip ID card's QR, and its slip."""

from __future__ import annotations

import argparse
import sys

from counter_app.cli.args import (
    EXIT_SAVED_NO_SLIP,
    NEEDS_AS,
    PROCEDURE_HINT,
    CliError,
    datetime_arg,
    emit,
    file_problem,
    out_file,
)
from counter_app.cli.dossier_json import dossier_dict
from counter_app.cli.session import open_counter
from counter_app.domain import card_qr
from counter_app.domain.reception import ApplicantKind, Channel, ReceptionRequest, ReturnMethod
from counter_app.domain.text import clean
from counter_app.errors import ValidationError


def _moments(args: argparse.Namespace) -> tuple[dict, dict]:
    """--received-at and --due-at read here, not by argparse, so that a wrong date is told
    together with every other problem of the dossier."""
    values, errors = {}, {}
    for name in ("received_at", "due_at"):
        text = getattr(args, name)
        if text is None:
            values[name] = None
            continue
        try:
            values[name] = datetime_arg(text)
        except argparse.ArgumentTypeError as exc:
            values[name], errors[name] = None, str(exc)
    return values, errors


def _applicant(args: argparse.Namespace) -> dict:
    """The applicant from --card-qr (if given), each explicit option overriding it."""
    applicant = card_qr.parse(args.card_qr).applicant_fields() if args.card_qr else {}
    if not args.card_qr and (args.name is None or args.id_number is None):
        raise CliError("--name and --id-number are required (or --card-qr TEXT)")
    if args.organisation:
        applicant = {"kind": ApplicantKind.ORGANISATION}
    applicant.setdefault("kind", ApplicantKind.CITIZEN)
    for key, value in (("full_name", args.name), ("id_number", args.id_number),
                       ("phone", args.phone), ("address", args.address),
                       ("email", args.email)):
        if value is not None:
            applicant[key] = value
    return applicant


def cmd_receive(args: argparse.Namespace) -> int | None:
    counter = open_counter(args)
    moments, date_errors = _moments(args)
    applicant = _applicant(args)
    request = ReceptionRequest(
        procedure_code=args.procedure, applicant=applicant, sets=args.sets,
        channel=Channel.POST if args.by_post else Channel.IN_PERSON,
        return_method=ReturnMethod.POST if args.return_address else ReturnMethod.COUNTER,
        return_address=args.return_address or "", received_at=moments["received_at"],
        due_at=moments["due_at"], due_change_reason=args.due_reason or "",
        proxy={"name": args.proxy_name or "", "id_number": args.proxy_id,
               "phone": args.proxy_phone, "authorisation": args.proxy_authorisation},
        competent_agency=args.competent or "")
    refusing = args.refuse is not None
    try:
        if date_errors:  # the rest is checked too, and nothing is saved
            counter.check_reception(request)
            raise ValidationError(date_errors)
        dossier = (counter.refuse_at_reception(request, args.refuse) if refusing
                   else counter.receive(request))
    except ValidationError as exc:
        errors = dict(exc.errors)
        if "received_at" in date_errors:  # the core judged these against "now" instead
            for name in ("due_at", "due_change_reason"):
                errors.pop(name, None)
        errors.update(date_errors)
        if "procedure" in errors and clean(args.procedure):
            errors["procedure"] += f" ({PROCEDURE_HINT})"
        raise ValidationError(errors) from None
    emit(args, dossier_dict(dossier),
         f"{dossier.code}  refused at reception (status 3)  {dossier['applicant_name']}"
         if refusing else
         f"{dossier.code}  due {dossier.due_at:%d/%m/%Y %H:%M}  {dossier['applicant_name']}")
    if args.slip:
        try:
            if refusing:
                counter.form_pdf(dossier.code, "03", args.slip)
            else:
                counter.slip_pdf(dossier.code, args.slip)
        except OSError as exc:  # the dossier is saved: say so, never invite a second receive
            what, again = (("its refusal was recorded", f"'counter-app print {dossier.code} "
                            "--form 03 --out FILE'") if refusing else
                           ("was received and saved", f"'counter-app slip {dossier.code} "
                            "--out FILE'"))
            print(f"counter-app: error: dossier {dossier.code} {what}, but its form was not "
                  f"written ({file_problem(exc)}); print it with {again}", file=sys.stderr)
            return EXIT_SAVED_NO_SLIP
    return None


def add_receive(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("receive", parents=[common], help="receive a dossier" + NEEDS_AS,
                       description="Receive a dossier and save it (every problem with the "
                                   "input is reported at once; nothing is saved then). Find a "
                                   "procedure's code with: counter-app procedures --search "
                                   "WORDS (e.g. --search 'khai sinh').")
    p.add_argument("--procedure", required=True, metavar="CODE",
                   help="national procedure code, e.g. 1.001193 (see 'procedures --search')")
    p.add_argument("--card-qr", metavar="TEXT",
                   help="the text of the chip ID card's QR (as the 2D scanner reads it): "
                        "fills the ID number, name, address, birth date and sex; the "
                        "options below override it")
    p.add_argument("--name", help="applicant's full name (required without --card-qr)")
    p.add_argument("--id-number", help="12-digit citizen ID, or an organisation's tax code "
                                       "(required without --card-qr)")
    p.add_argument("--organisation", action="store_true", help="the applicant is an organisation")
    p.add_argument("--phone", help="applicant's phone number")
    p.add_argument("--address", help="applicant's address")
    p.add_argument("--email", help="applicant's email")
    p.add_argument("--sets", type=int, default=1, help="number of sets (bộ)")
    p.add_argument("--by-post", action="store_true", help="the dossier arrived by post")
    p.add_argument("--return-address", help="return the result by post to this address")
    p.add_argument("--received-at", metavar="WHEN",
                   help="when it was received: 2026-11-20T09:15 or '20/11/2026 09:15' "
                        "(default: now)")
    p.add_argument("--due-at", metavar="WHEN",
                   help="an appointment other than the computed one (same forms as "
                        "--received-at)")
    p.add_argument("--due-reason", help="why the appointment is later than the rule")
    p.add_argument("--proxy-name", help="the person submitting for the applicant (ủy quyền)")
    p.add_argument("--proxy-id", default="", help="that person's 12-digit citizen ID")
    p.add_argument("--proxy-phone", default="", help="that person's phone number")
    p.add_argument("--proxy-authorisation", default="",
                   help="the authorisation document, e.g. 'Giấy ủy quyền ngày 01/12/2026'")
    p.add_argument("--competent", metavar="AGENCY_CODE",
                   help="the body that decides it, when not this commune: another commune or "
                        "a provincial body of the province, by its agency code (see "
                        "'counter-app units'); only for a procedure on the province's list "
                        "received regardless of boundary")
    p.add_argument("--refuse", metavar="REASON",
                   help="refuse the dossier at the reception check instead of receiving it: "
                        "recorded as status 3 'Không được tiếp nhận', never counted as "
                        "received; --slip then writes the Mẫu 03 refusal")
    p.add_argument("--slip", type=out_file, metavar="FILE.pdf",
                   help="also write the Mẫu 01 slip (with --refuse: the Mẫu 03) to this PDF")
    p.set_defaults(func=cmd_receive)
