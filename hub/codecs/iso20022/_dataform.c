/* The data form of an lxml element's children, built in C: the dicts, (text, Ccy) tuples and
 * lists that tree._read builds (see tree.py), without creating an lxml proxy, a tag string and a
 * text string from Python for every element. Reading dominated the Python time of a decode.
 *
 * Only fields of libxml2's node structs are read: the module calls no libxml2 function and links
 * against nothing but Python. The element proxy's layout is lxml's public C API (lxml/etree.h,
 * struct LxmlElement, unchanged since lxml 2). tree.py checks the result against the Python
 * reader once at import and falls back to it for anything this reader does not handle.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>
#include <libxml/tree.h>

typedef struct {
    PyObject_HEAD
    void *doc;
    xmlNode *c_node;
    PyObject *tag;
} LxmlElement;

static PyTypeObject *element_type = NULL;  /* lxml.etree._Element, given by setup() */
static PyObject *not_simple = NULL;        /* raised for a tree the Python reader must read */

/* Element names: libxml2 keeps one copy of each name per parser dictionary, so the pointer
 * usually repeats; the name is compared too, as a dictionary may be freed and its memory
 * reused. Interned strings, as tree._name makes them: the mapping's dict lookups hit on
 * identity. */
#define NAME_SLOTS 1024
static struct { const xmlChar *ptr; PyObject *name; } names[NAME_SLOTS];

static PyObject *name_of(const xmlChar *ptr) {
    size_t slot = ((size_t)ptr >> 4) & (NAME_SLOTS - 1);
    PyObject *cached = names[slot].name;
    if (cached != NULL && names[slot].ptr == ptr &&
            strcmp(PyUnicode_AsUTF8(cached), (const char *)ptr) == 0) {
        Py_INCREF(cached);
        return cached;
    }
    PyObject *name = PyUnicode_FromString((const char *)ptr);
    if (name == NULL) return NULL;
    PyUnicode_InternInPlace(&name);
    Py_XSETREF(names[slot].name, Py_NewRef(name));
    names[slot].ptr = ptr;
    return name;
}

static int is_text(const xmlNode *n) {
    return n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE;
}

/* The text of a leaf as lxml's .text gives it, '' for none. */
static PyObject *leaf_text(const xmlNode *el) {
    const xmlNode *c = el->children;
    if (c == NULL) return PyUnicode_FromStringAndSize("", 0);
    if (c->next == NULL) return PyUnicode_FromString(c->content ? (const char *)c->content : "");
    size_t total = 0;  /* several text nodes (text around a CDATA section): joined */
    for (const xmlNode *t = c; t != NULL; t = t->next)
        total += t->content ? strlen((const char *)t->content) : 0;
    char *buffer = PyMem_Malloc(total + 1);
    if (buffer == NULL) return PyErr_NoMemory();
    size_t at = 0;
    for (const xmlNode *t = c; t != NULL; t = t->next) {
        if (t->content == NULL) continue;
        size_t length = strlen((const char *)t->content);
        memcpy(buffer + at, t->content, length);
        at += length;
    }
    PyObject *text = PyUnicode_DecodeUTF8(buffer, (Py_ssize_t)at, NULL);
    PyMem_Free(buffer);
    return text;
}

/* The value of an attribute without namespace ('' when absent), as lxml's get() or ''. */
static PyObject *attribute(const xmlNode *el, const char *name) {
    for (const xmlAttr *a = el->properties; a != NULL; a = a->next) {
        if (a->ns != NULL || strcmp((const char *)a->name, name) != 0) continue;
        const xmlNode *c = a->children;
        if (c == NULL) break;
        if (c->next != NULL || c->type != XML_TEXT_NODE) {
            PyErr_SetNone(not_simple);
            return NULL;
        }
        return PyUnicode_FromString(c->content ? (const char *)c->content : "");
    }
    return PyUnicode_FromStringAndSize("", 0);
}

static int is_amount(const xmlChar *name) {  /* tree.AMOUNT_SUFFIX */
    size_t n = strlen((const char *)name);
    return n >= 3 && memcmp(name + n - 3, "Amt", 3) == 0;
}

/* 1 when the element has element children, 0 when it has only text, -1 (error set) for
 * anything else (comments, processing instructions, entity references): those trees go to the
 * Python reader. */
static int has_children(const xmlNode *el) {
    int found = 0;
    for (const xmlNode *c = el->children; c != NULL; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) found = 1;
        else if (!is_text(c)) {
            PyErr_SetNone(not_simple);
            return -1;
        }
    }
    return found;
}

/* found[name] = value, or the list of values of a repeated element. */
static int add(PyObject *found, PyObject *name, PyObject *value) {
    PyObject *old = PyDict_GetItemWithError(found, name);
    if (old == NULL) return PyErr_Occurred() ? -1 : PyDict_SetItem(found, name, value);
    if (PyList_CheckExact(old)) return PyList_Append(old, value);
    PyObject *both = PyList_New(2);
    if (both == NULL) return -1;
    PyList_SET_ITEM(both, 0, Py_NewRef(old));
    PyList_SET_ITEM(both, 1, Py_NewRef(value));
    int rc = PyDict_SetItem(found, name, both);
    Py_DECREF(both);
    return rc;
}

static PyObject *read_children(const xmlNode *el, PyObject *index, int depth) {
    if (depth > 200) {  /* far deeper than any ISO 20022 message; libxml2 caps input at 256 */
        PyErr_SetNone(not_simple);
        return NULL;
    }
    PyObject *found = PyDict_New();
    if (found == NULL) return NULL;
    for (const xmlNode *c = el->children; c != NULL; c = c->next) {
        if (c->type != XML_ELEMENT_NODE) {
            if (is_text(c)) continue;  /* whitespace between elements */
            PyErr_SetNone(not_simple);
            goto fail;
        }
        int nested = has_children(c);
        if (nested < 0) goto fail;
        PyObject *name = name_of(c->name);
        if (name == NULL) goto fail;
        PyObject *value;
        if (nested) {
            value = read_children(c, index, depth + 1);
        } else if (is_amount(c->name)) {
            PyObject *text = leaf_text(c);
            PyObject *currency = text != NULL ? attribute(c, "Ccy") : NULL;
            value = currency != NULL ? PyTuple_Pack(2, text, currency) : NULL;
            Py_XDECREF(text);
            Py_XDECREF(currency);
        } else {
            value = leaf_text(c);
        }
        int rc = value == NULL ? -1 : 0;
        if (rc == 0 && index != Py_None) {
            PyObject *bucket = PyDict_GetItemWithError(index, name);
            if (bucket != NULL) rc = PyList_Append(bucket, value);
            else if (PyErr_Occurred()) rc = -1;
        }
        if (rc == 0) rc = add(found, name, value);
        Py_DECREF(name);
        Py_XDECREF(value);
        if (rc < 0) goto fail;
    }
    return found;
fail:
    Py_DECREF(found);
    return NULL;
}

static PyObject *read_element(PyObject *self, PyObject *args) {
    PyObject *element, *index;
    if (!PyArg_ParseTuple(args, "OO", &element, &index)) return NULL;
    if (element_type == NULL || !PyObject_TypeCheck(element, element_type)) {
        PyErr_SetString(PyExc_TypeError, "read() takes an lxml element (after setup())");
        return NULL;
    }
    if (index != Py_None && !PyDict_CheckExact(index)) {
        PyErr_SetString(PyExc_TypeError, "index must be a dict or None");
        return NULL;
    }
    const xmlNode *node = ((LxmlElement *)element)->c_node;
    if (node == NULL || node->type != XML_ELEMENT_NODE) {
        PyErr_SetNone(not_simple);
        return NULL;
    }
    return read_children(node, index, 0);
}

static PyObject *setup_type(PyObject *self, PyObject *type) {
    if (!PyType_Check(type)) {
        PyErr_SetString(PyExc_TypeError, "setup() takes lxml.etree._Element");
        return NULL;
    }
    Py_XSETREF(element_type, (PyTypeObject *)Py_NewRef(type));
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"read", read_element, METH_VARARGS,
     "read(element, index or None) -> the data form of the element's children"},
    {"setup", setup_type, METH_O, "setup(lxml.etree._Element): the type read() accepts"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_dataform", "ISO 20022 trees to their data form, in C.", -1, methods,
};

PyMODINIT_FUNC PyInit__dataform(void) {
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    not_simple = PyErr_NewException("_dataform.NotSimple", NULL, NULL);
    if (not_simple == NULL || PyModule_AddObjectRef(m, "NotSimple", not_simple) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
