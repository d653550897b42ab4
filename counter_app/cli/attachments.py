"""`counter-app` commands for digitised documents: attach scans or files to a dossier's
document or result, list them, write one out, and reuse a returning citizen's earlier
digitised document (linked, not copied)."""

from __future__ import annotations

import argparse
from pathlib import Path

from counter_app.cli.args import NEEDS_AS, CliError, emit, out_file
from counter_app.cli.session import open_counter


def _existing_file(text: str) -> Path:
    path = Path(text).expanduser()
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"{path} is not a file (không có tệp này)")
    return path


def cmd_attach(args: argparse.Namespace) -> None:
    counter = open_counter(args)
    if (args.document is None) == (not args.result):
        raise CliError("give --document N (the document's number in the dossier's "
                       "checklist, from 1) or --result")
    index = args.document - 1 if args.document is not None else None
    found = counter.attach(args.code, args.files, document=index, result=args.result)
    emit(args, found.to_dict(),
         f"{args.code}  {found.name}: {found.pages} page(s), {found.bytes:,} bytes, "
         f"sha256 {found.sha256}")


def cmd_attachments(args: argparse.Namespace) -> None:
    found = open_counter(args).attachments(args.code)
    lines = [f"{a.id}  {'result' if a.document is None else f'document {a.document + 1}'}"
             f"  {a.pages} page(s)  {a.bytes:,} bytes  {a.sha256[:12]}…  "
             f"{'here' if a.here else 'not here'}, "
             f"{'synced' if a.record_synced else 'not synced'}  {a.name}" for a in found]
    emit(args, [a.to_dict() for a in found], "\n".join(lines) or f"{args.code}: none")


def cmd_attachment(args: argparse.Namespace) -> None:
    data = open_counter(args).attachment_pdf(args.code, args.id)
    args.out.write_bytes(data)
    emit(args, {"out": str(args.out), "bytes": len(data)}, f"wrote {args.out}")


def cmd_reusable(args: argparse.Namespace) -> None:
    found = open_counter(args).reusable_documents(args.id_number)
    lines = [f"{r.dossier_code}  {r.attachment_id}  {r.pages} page(s)  {r.at[:10]}  {r.name}"
             for r in found]
    emit(args, [r.to_dict() for r in found], "\n".join(lines) or "none")


def cmd_reuse(args: argparse.Namespace) -> None:
    counter = open_counter(args)
    index = args.document - 1
    chosen = args.id
    if not chosen:  # the source dossier's document of the same kind
        target = counter.dossier(args.code)
        if not 0 <= index < len(target.documents):
            raise CliError(f"the dossier has {len(target.documents)} document(s); "
                           f"--document must be 1 to {len(target.documents)}")
        name = target.documents[index]["name"]
        source = counter.dossier(args.source).code
        fitting = [r for r in counter.reusable_documents(target["applicant_id_number"],
                                                         besides=target.code)
                   if r.dossier_code == source and r.fits(name)]
        if not fitting:
            raise CliError(f"{source} has no digitised '{name}' of this citizen "
                           f"(see 'reusable'; or give --id)")
        chosen = fitting[0].attachment_id
    found = counter.reuse(args.code, index, args.source, chosen)
    emit(args, found.to_dict(), f"{args.code}  {found.name}: linked from {found.reused_from} "
                                f"({found.pages} page(s), sha256 {found.sha256})")


def add_commands(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("attach", parents=[common],
                       help="digitise a dossier's document or result from scans, photos or "
                            "PDF files (one PDF per document)" + NEEDS_AS)
    p.add_argument("code", help="the dossier's code")
    p.add_argument("files", nargs="+", type=_existing_file, metavar="FILE",
                   help="images (JPEG, PNG, TIFF, BMP, WebP) or PDF files, in page order")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--document", type=int, metavar="N",
                       help="the document's number in the dossier's checklist (from 1)")
    which.add_argument("--result", action="store_true", help="the dossier's result")
    p.set_defaults(func=cmd_attach)

    p = sub.add_parser("attachments", parents=[common],
                       help="a dossier's digitised documents and result" + NEEDS_AS)
    p.add_argument("code", help="the dossier's code")
    p.set_defaults(func=cmd_attachments)

    p = sub.add_parser("attachment", parents=[common],
                       help="write one digitised document of a dossier to a PDF" + NEEDS_AS)
    p.add_argument("code", help="the dossier's code")
    p.add_argument("id", help="its id (see 'attachments')")
    p.add_argument("--out", required=True, type=out_file, metavar="FILE.pdf",
                   help="the PDF to write (fetched from the server first when another desk "
                        "digitised it)")
    p.set_defaults(func=cmd_attachment)

    p = sub.add_parser("reusable", parents=[common],
                       help="a citizen's documents digitised for their earlier dossiers"
                            + NEEDS_AS)
    p.add_argument("id_number", help="the citizen's ID number (or tax code)")
    p.set_defaults(func=cmd_reusable)

    p = sub.add_parser("reuse", parents=[common],
                       help="link a citizen's earlier digitised document to a document of "
                            "a new dossier (not copied; counted as reuse)" + NEEDS_AS)
    p.add_argument("code", help="the new dossier's code")
    p.add_argument("--document", type=int, required=True, metavar="N",
                   help="the document's number in the dossier's checklist (from 1)")
    p.add_argument("--from", dest="source", required=True, metavar="CODE",
                   help="the earlier dossier whose digitised document is reused")
    p.add_argument("--id", default="", help="which of its attachments (default: the one of "
                                            "the same kind of document)")
    p.set_defaults(func=cmd_reuse)
