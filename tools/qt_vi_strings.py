"""The Qt strings an officer meets, in Vietnamese: written to resources/i18n/qt_vi.ts.

Run after editing (``python tools/qt_vi_strings.py``); the .ts file is kept in the
repository and compiled to .qm by ./start.sh, ./test.sh and the installer build
(tools/compile_translations.py). Qt ships no Vietnamese translation of its own.
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

EDIT_MENU = {
    "&Undo": "&Hoàn tác", "&Redo": "&Làm lại", "Cu&t": "Cắ&t", "&Copy": "&Sao chép",
    "&Paste": "&Dán", "Delete": "Xóa", "Select All": "Chọn tất cả",
    "Copy &Link Location": "Sao chép địa chỉ &liên kết",
}
STRINGS: dict[str, dict[str, str]] = {
    "QLineEdit": EDIT_MENU,
    "QWidgetTextControl": EDIT_MENU,
    "QPlatformTheme": {
        "OK": "Đồng ý", "Save": "Lưu", "Save All": "Lưu tất cả", "Open": "Mở",
        "&Yes": "&Có", "Yes to &All": "Có với &tất cả", "&No": "&Không",
        "N&o to All": "Khô&ng với tất cả", "Abort": "Hủy bỏ", "Retry": "Thử lại",
        "Ignore": "Bỏ qua", "Close": "Đóng", "Cancel": "Hủy", "Discard": "Bỏ đi",
        "Help": "Trợ giúp", "Apply": "Áp dụng", "Reset": "Đặt lại",
        "Restore Defaults": "Khôi phục mặc định", "Don't Save": "Không lưu",
        "Close without Saving": "Đóng không lưu",
    },
    "QMessageBox": {
        "Show Details...": "Xem chi tiết...", "Hide Details...": "Ẩn chi tiết...",
        "OK": "Đồng ý", "Help": "Trợ giúp",
    },
    "QAbstractSpinBox": {"&Step up": "&Tăng", "Step &down": "&Giảm",
                         "&Select All": "&Chọn tất cả"},
    "QCalendarWidget": {"Previous Month": "Tháng trước", "Next Month": "Tháng sau",
                        "Today": "Hôm nay", "Week": "Tuần"},
    "QFileDialog": {
        "&Look in:": "Tìm tr&ong:", "File &name:": "&Tên tệp:", "Files of &type:": "&Loại tệp:",
        "Go back": "Lùi lại", "Go forward": "Tiến tới",
        "Go to the parent directory": "Lên thư mục cha", "Create a New Folder": "Tạo thư mục mới",
        "Change to list view mode": "Xem dạng danh sách",
        "Change to detail view mode": "Xem chi tiết", "Sidebar": "Thanh bên",
        "List of places and bookmarks": "Các nơi và dấu trang", "Files": "Tệp",
        "Find Directory": "Chọn thư mục", "&New Folder": "Thư mục &mới",
        "All files (*)": "Mọi tệp (*)", "Could not delete directory.": "Không xóa được thư mục.",
        "&Open": "&Mở", "&Save": "&Lưu", "&Choose": "&Chọn", "Cancel": "Hủy",
        "Back": "Lùi lại", "Forward": "Tiến tới", "Parent Directory": "Thư mục cha",
        "Create New Folder": "Tạo thư mục mới", "List View": "Xem dạng danh sách",
        "Detail View": "Xem chi tiết", "New Folder": "Thư mục mới", "&Delete": "&Xóa",
        "&Rename": "Đổi &tên", "Show &hidden files": "Hiện tệp ẩ&n",
        "All Files (*)": "Mọi tệp (*)", "Directory:": "Thư mục:", "Open": "Mở",
        "Save As": "Lưu thành", "Directories": "Thư mục", "My Computer": "Máy tính",
        "Recent Places": "Nơi dùng gần đây",
        "%1 already exists.\nDo you want to replace it?":
            "%1 đã có.\nBạn có muốn ghi đè lên tệp này không?",
    },
    "QFileSystemModel": {"Name": "Tên", "Size": "Kích thước", "Type": "Loại",
                         "Date Modified": "Ngày sửa", "Kind": "Loại"},
    "QPrintDialog": {
        "Print": "In", "&Print": "&In", "Print range": "Phạm vi in", "Print all": "In tất cả",
        "Pages from": "Các trang từ", "to": "đến", "Copies": "Số bản", "Copies:": "Số bản:",
        "Collate": "Sắp theo bộ", "Reverse": "In ngược thứ tự", "Options": "Tùy chọn",
        "Printer": "Máy in", "&Options >>": "&Tùy chọn >>", "&Options <<": "&Tùy chọn <<",
        "Print to File (PDF)": "In ra tệp (PDF)", "Local file": "Tệp trên máy",
        "Write PDF file": "Ghi tệp PDF", "Print current page": "In trang hiện tại",
        "Current Page": "Trang hiện tại", "Selection": "Vùng đã chọn",
    },
    "QUnixPrintWidget": {
        "Printer": "Máy in", "&Name:": "&Tên:", "P&roperties": "&Thuộc tính",
        "Location:": "Vị trí:", "Preview": "Xem trước", "Type:": "Loại:",
        "Output &file:": "&Tệp in ra:", "...": "...",
    },
    "QPrintPropertiesWidget": {"Form": "Mẫu", "Page": "Trang", "Advanced": "Nâng cao"},
    "QPageSetupWidget": {
        "Paper": "Giấy", "Page size:": "Khổ giấy:", "Width:": "Rộng:", "Height:": "Cao:",
        "Paper source:": "Khay giấy:", "Orientation": "Chiều giấy", "Portrait": "Dọc",
        "Landscape": "Ngang", "Reverse landscape": "Ngang ngược",
        "Reverse portrait": "Dọc ngược", "Margins": "Lề", "top margin": "lề trên",
        "left margin": "lề trái", "right margin": "lề phải", "bottom margin": "lề dưới",
    },
}


def ts_text() -> str:
    out = ['<?xml version="1.0" encoding="utf-8"?>', "<!DOCTYPE TS>",
           '<TS version="2.1" language="vi_VN">']
    for context, pairs in STRINGS.items():
        out += ["<context>", f"    <name>{context}</name>"]
        for source, translation in pairs.items():
            out += ["    <message>", f"        <source>{escape(source)}</source>",
                    f"        <translation>{escape(translation)}</translation>",
                    "    </message>"]
        out.append("</context>")
    out.append("</TS>")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    target = Path(__file__).resolve().parents[1] / "resources" / "i18n" / "qt_vi.ts"
    target.write_text(ts_text(), encoding="utf-8")
    print(f"wrote {target}")
