// The OpenRPC document that `rpc.discover` returns: protocol/openrpc.json, embedded by
// protocol/embed_openrpc.py so the executable needs no resource files. OpenRPCDocumentTests checks
// that the two are the same JSON.
import JSONRPC

/// The machine-readable description of the protocol.
enum OpenRPCDocument {
  /// The document parsed (it is fixed text, so a failure is a bug the tests catch).
  static func json() throws -> JSONValue { try JSONParser.parse(text) }

  static let text = #"""
{
  "openrpc": "1.2.6",
  "info": {
    "title": "clip-worker",
    "version": "0.1.0",
    "description": "A resident CLIP model answering JSON-RPC 2.0 over stdio: one JSON value per line (UTF-8, \\n-terminated, \\r\\n accepted) in each direction, responses in any order. See protocol/README.md."
  },
  "methods": [
    {
      "name": "initialize",
      "paramStructure": "by-name",
      "summary": "Describe the server, the model, the methods and the limits (optional; waits for the model to be resolved and loaded).",
      "params": [
        {
          "name": "clientInfo",
          "required": false,
          "description": "Accepted and not used.",
          "schema": {}
        },
        {
          "name": "capabilities",
          "required": false,
          "description": "What the client accepts. progress: true asks for $/progress notifications of the model's download (see x-notifications); they are all sent before this result, starting with the latest report of each file downloaded before the request was read.",
          "schema": {
            "type": "object",
            "properties": {
              "progress": {
                "type": "boolean",
                "default": false
              }
            }
          }
        }
      ],
      "result": {
        "name": "InitializeResult",
        "schema": {
          "$ref": "#/components/schemas/InitializeResult"
        }
      },
      "errors": [
        {
          "$ref": "#/components/errors/InvalidParams"
        },
        {
          "$ref": "#/components/errors/ModelUnavailable"
        },
        {
          "$ref": "#/components/errors/ShuttingDown"
        },
        {
          "$ref": "#/components/errors/RequestCancelled"
        }
      ]
    },
    {
      "name": "shutdown",
      "paramStructure": "by-name",
      "summary": "Stop accepting requests; answers null. Send the exit notification next.",
      "params": [],
      "result": {
        "name": "null",
        "schema": {
          "type": "null"
        }
      },
      "errors": [
        {
          "$ref": "#/components/errors/ShuttingDown"
        }
      ]
    },
    {
      "name": "exit",
      "paramStructure": "by-name",
      "summary": "Notification: end the process, with code 0 after shutdown, 1 without. Calls in flight are answered with RequestCancelled first.",
      "params": [],
      "result": {
        "name": "none",
        "schema": {
          "type": "null"
        }
      }
    },
    {
      "name": "$/cancelRequest",
      "paramStructure": "by-name",
      "summary": "Notification: cancel the request with this id; it is answered with RequestCancelled (-32800). Unknown or finished ids are ignored.",
      "params": [
        {
          "name": "id",
          "required": true,
          "schema": {
            "type": [
              "string",
              "number"
            ]
          }
        }
      ],
      "result": {
        "name": "none",
        "schema": {
          "type": "null"
        }
      }
    },
    {
      "name": "rpc.discover",
      "paramStructure": "by-name",
      "summary": "This document.",
      "params": [],
      "result": {
        "name": "OpenRPC",
        "schema": {
          "type": "object"
        }
      },
      "errors": [
        {
          "$ref": "#/components/errors/ShuttingDown"
        }
      ]
    },
    {
      "name": "encodeText",
      "paramStructure": "by-name",
      "summary": "Embed texts.",
      "params": [
        {
          "name": "texts",
          "required": true,
          "schema": {
            "type": "array",
            "items": {
              "type": "string"
            }
          },
          "description": "Texts longer than the model's context are truncated, as CLIPTokenizerFast does."
        },
        {
          "name": "normalize",
          "required": false,
          "description": "L2-normalize each embedding (default true).",
          "schema": {
            "type": "boolean",
            "default": true
          }
        },
        {
          "name": "encoding",
          "required": false,
          "description": "\"float\": arrays of numbers; \"base64\": each embedding as base64 of little-endian float32.",
          "schema": {
            "type": "string",
            "enum": [
              "float",
              "base64"
            ],
            "default": "float"
          }
        }
      ],
      "result": {
        "name": "Embeddings",
        "schema": {
          "$ref": "#/components/schemas/Embeddings"
        }
      },
      "errors": [
        {
          "$ref": "#/components/errors/InvalidParams"
        },
        {
          "$ref": "#/components/errors/ModelUnavailable"
        },
        {
          "$ref": "#/components/errors/ShuttingDown"
        },
        {
          "$ref": "#/components/errors/RequestCancelled"
        }
      ]
    },
    {
      "name": "encodeImage",
      "paramStructure": "by-name",
      "summary": "Embed images.",
      "params": [
        {
          "name": "images",
          "required": true,
          "schema": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/ImageInput"
            }
          }
        },
        {
          "name": "normalize",
          "required": false,
          "description": "L2-normalize each embedding (default true).",
          "schema": {
            "type": "boolean",
            "default": true
          }
        },
        {
          "name": "encoding",
          "required": false,
          "description": "\"float\": arrays of numbers; \"base64\": each embedding as base64 of little-endian float32.",
          "schema": {
            "type": "string",
            "enum": [
              "float",
              "base64"
            ],
            "default": "float"
          }
        }
      ],
      "result": {
        "name": "Embeddings",
        "schema": {
          "$ref": "#/components/schemas/Embeddings"
        }
      },
      "errors": [
        {
          "$ref": "#/components/errors/InputFailed"
        },
        {
          "$ref": "#/components/errors/InvalidParams"
        },
        {
          "$ref": "#/components/errors/ModelUnavailable"
        },
        {
          "$ref": "#/components/errors/ShuttingDown"
        },
        {
          "$ref": "#/components/errors/RequestCancelled"
        }
      ]
    },
    {
      "name": "classify",
      "paramStructure": "by-name",
      "summary": "Zero-shot classification, the scores of transformers' zero-shot-image-classification pipeline.",
      "description": "Give exactly one of image (one list back) and images (one list per image). Texts are the template applied to each label as Python's str.format; scores are softmax(logit_scale.exp() * cosine), sorted highest first (ties keep label order). candidate_labels and hypothesis_template are accepted as the pipeline's names for labels and template.",
      "params": [
        {
          "name": "image",
          "required": false,
          "schema": {
            "$ref": "#/components/schemas/ImageInput"
          }
        },
        {
          "name": "images",
          "required": false,
          "schema": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/ImageInput"
            }
          }
        },
        {
          "name": "labels",
          "required": true,
          "description": "At least one label. Alias: candidate_labels.",
          "schema": {
            "type": "array",
            "items": {
              "type": "string"
            },
            "minItems": 1
          }
        },
        {
          "name": "template",
          "required": false,
          "description": "{} stands for the label. Alias: hypothesis_template.",
          "schema": {
            "type": "string",
            "default": "This is a photo of {}."
          }
        },
        {
          "name": "topK",
          "required": false,
          "description": "Keep only the first topK entries.",
          "schema": {
            "type": "integer",
            "minimum": 1
          }
        }
      ],
      "result": {
        "name": "Scores",
        "schema": {
          "oneOf": [
            {
              "$ref": "#/components/schemas/Scores"
            },
            {
              "type": "array",
              "items": {
                "$ref": "#/components/schemas/Scores"
              }
            }
          ]
        }
      },
      "errors": [
        {
          "$ref": "#/components/errors/InputFailed"
        },
        {
          "$ref": "#/components/errors/InvalidParams"
        },
        {
          "$ref": "#/components/errors/ModelUnavailable"
        },
        {
          "$ref": "#/components/errors/ShuttingDown"
        },
        {
          "$ref": "#/components/errors/RequestCancelled"
        }
      ]
    },
    {
      "name": "cacheStats",
      "paramStructure": "by-name",
      "summary": "The embedding cache's counters.",
      "params": [],
      "result": {
        "name": "CacheStats",
        "schema": {
          "$ref": "#/components/schemas/CacheStats"
        }
      },
      "errors": [
        {
          "$ref": "#/components/errors/ShuttingDown"
        }
      ]
    },
    {
      "name": "cacheClear",
      "paramStructure": "by-name",
      "summary": "Empty the embedding cache (hit, miss and eviction counters are kept); answers null.",
      "params": [],
      "result": {
        "name": "null",
        "schema": {
          "type": "null"
        }
      },
      "errors": [
        {
          "$ref": "#/components/errors/ShuttingDown"
        }
      ]
    }
  ],
  "components": {
    "schemas": {
      "ImageInput": {
        "description": "An image file: a path the worker reads (relative to its working directory), or the file's bytes in base64. PNG, JPEG, GIF and BMP; EXIF orientation is applied.",
        "oneOf": [
          {
            "type": "object",
            "properties": {
              "path": {
                "type": "string"
              }
            },
            "required": [
              "path"
            ],
            "additionalProperties": false
          },
          {
            "type": "object",
            "properties": {
              "data": {
                "type": "string",
                "contentEncoding": "base64"
              }
            },
            "required": [
              "data"
            ],
            "additionalProperties": false
          }
        ]
      },
      "Embeddings": {
        "type": "object",
        "required": [
          "embeddings",
          "dim",
          "model",
          "cached"
        ],
        "properties": {
          "embeddings": {
            "oneOf": [
              {
                "type": "array",
                "items": {
                  "type": "array",
                  "items": {
                    "type": "number"
                  }
                }
              },
              {
                "type": "array",
                "items": {
                  "type": "string",
                  "contentEncoding": "base64"
                }
              }
            ]
          },
          "dim": {
            "type": "integer"
          },
          "model": {
            "type": "string",
            "description": "The model's id."
          },
          "cached": {
            "type": "array",
            "items": {
              "type": "boolean"
            },
            "description": "Per input: true when it was not computed for this request (found in the cache, or joined a computation already running)."
          }
        }
      },
      "Scores": {
        "type": "array",
        "items": {
          "type": "object",
          "required": [
            "label",
            "score"
          ],
          "properties": {
            "label": {
              "type": "string"
            },
            "score": {
              "type": "number"
            }
          }
        }
      },
      "CacheCounters": {
        "type": "object",
        "properties": {
          "entries": {
            "type": "integer"
          },
          "bytes": {
            "type": "integer"
          },
          "hits": {
            "type": "integer"
          },
          "misses": {
            "type": "integer"
          },
          "evictions": {
            "type": "integer"
          },
          "hitRate": {
            "type": "number"
          }
        }
      },
      "CacheStats": {
        "description": "CacheCounters for both kinds, plus capacityBytes and per-kind image and text.",
        "allOf": [
          {
            "$ref": "#/components/schemas/CacheCounters"
          },
          {
            "type": "object",
            "properties": {
              "capacityBytes": {
                "type": "integer"
              },
              "image": {
                "$ref": "#/components/schemas/CacheCounters"
              },
              "text": {
                "$ref": "#/components/schemas/CacheCounters"
              }
            }
          }
        ]
      },
      "InitializeResult": {
        "type": "object",
        "properties": {
          "serverInfo": {
            "type": "object",
            "properties": {
              "name": {
                "type": "string"
              },
              "version": {
                "type": "string"
              }
            }
          },
          "model": {
            "type": "object",
            "properties": {
              "id": {
                "type": "string"
              },
              "path": {
                "type": "string"
              },
              "embeddingDim": {
                "type": "integer"
              },
              "imageSize": {
                "type": "integer"
              },
              "contextLength": {
                "type": "integer"
              },
              "dtype": {
                "type": "string"
              }
            }
          },
          "methods": {
            "type": "array",
            "items": {
              "type": "string"
            }
          },
          "limits": {
            "type": "object",
            "properties": {
              "maxMessageBytes": {
                "type": "integer"
              },
              "maxNestingDepth": {
                "type": "integer"
              },
              "maxImagePixels": {
                "type": "integer"
              },
              "maxFileBytes": {
                "type": "integer"
              },
              "maxBatchSize": {
                "type": "integer"
              },
              "cacheCapacityBytes": {
                "type": "integer"
              },
              "threads": {
                "type": "integer"
              }
            }
          }
        }
      }
    },
    "errors": {
      "ParseError": {
        "code": -32700,
        "message": "Parse error: the line is not JSON (or is nested too deeply); id null."
      },
      "InvalidRequest": {
        "code": -32600,
        "message": "Invalid request: not a JSON-RPC 2.0 request object, an empty batch, or an id already used by a request in flight."
      },
      "MethodNotFound": {
        "code": -32601,
        "message": "Method not found; data.method names it."
      },
      "InvalidParams": {
        "code": -32602,
        "message": "Invalid params: missing, unknown or mistyped parameters."
      },
      "InternalError": {
        "code": -32603,
        "message": "Internal error."
      },
      "RequestCancelled": {
        "code": -32800,
        "message": "Request cancelled by $/cancelRequest or by exit."
      },
      "InputFailed": {
        "code": -32001,
        "message": "One input could not be used; data = {param, index, input, reason}."
      },
      "ModelUnavailable": {
        "code": -32002,
        "message": "The model could not be resolved (Hub id: offline and not cached, not found, refused, no safetensors weights) or loaded; data.reason says why."
      },
      "ShuttingDown": {
        "code": -32003,
        "message": "The request arrived after shutdown."
      },
      "MessageTooLarge": {
        "code": -32004,
        "message": "A line exceeded the message limit and was discarded; id null; data = {byteCount, limit}."
      }
    }
  },
  "x-notifications": [
    {
      "name": "$/progress",
      "direction": "server to client",
      "summary": "Download progress of the model (a Hub id not yet in the cache), sent only to a client whose initialize had capabilities.progress true. At most one per file per 100 ms, plus each file's first and last (bytesDone == bytesTotal).",
      "params": {
        "type": "object",
        "required": [
          "token",
          "file",
          "bytesDone",
          "bytesTotal"
        ],
        "properties": {
          "token": {
            "const": "download"
          },
          "file": {
            "type": "string",
            "description": "The file's path in the repository, e.g. model.safetensors."
          },
          "bytesDone": {
            "type": "integer",
            "minimum": 0
          },
          "bytesTotal": {
            "type": [
              "integer",
              "null"
            ],
            "description": "null when the server did not announce the size."
          }
        }
      }
    }
  ]
}
"""#
}
