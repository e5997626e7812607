"""Facts about the user's project: which files are tests, which folders are not its code, how a
node id reads, where sources are rooted (`facts`, pure, shared with the coverage plugin); how
its files are listed and read (`files`); and the project a repair opens (`root`)."""
from .facts import (SKIP_DIRS, SOURCE_ROOTS, SRC_DIR, is_conftest, is_source_file, is_test_code,
                    is_test_file, node_file, node_function, node_names, node_params, selects)
from .files import READ_LIMIT, Unreadable, is_project_file, project_files, read_regular, run_git
from .root import Project, detect_python, open_project, source_path_env

__all__ = ["Project", "open_project", "detect_python", "source_path_env",
           "SKIP_DIRS", "SOURCE_ROOTS", "SRC_DIR",
           "is_test_file", "is_conftest", "is_test_code", "is_source_file",
           "node_file", "node_names", "node_params", "node_function", "selects",
           "READ_LIMIT", "Unreadable", "read_regular", "run_git", "project_files", "is_project_file"]
