"""Work lists, today's dossiers and search: the tables that lead to a dossier."""
