using Gatehouse.ClusterManager.Access;
using Gatehouse.ClusterManager.ClusterConfig;
using Gatehouse.ClusterManager.Store;
using Google.Protobuf;

namespace Gatehouse.ClusterManager.Api;

/// <summary>Turns the typed failures of the services into one-line API errors.</summary>
internal sealed class ApiErrors(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (ChangeRejectedException e)
        {
            await Write(context, StatusCodes.Status409Conflict, e.Message);
        }
        catch (InvalidProtocolBufferException e)
        {
            await Write(context, StatusCodes.Status400BadRequest, $"the request body is not a valid configuration: {e.Message}");
        }
        catch (InvalidJsonException e)
        {
            await Write(context, StatusCodes.Status400BadRequest, $"the request body is not valid JSON: {e.Message}");
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            await Write(context, StatusCodes.Status400BadRequest, $"certificate or key problem: {e.Message}");
        }
        catch (Distribution.NodeUnreachableException e)
        {
            await Write(context, StatusCodes.Status503ServiceUnavailable, e.Message);
        }
        catch (StoreException e)
        {
            await Write(context, StatusCodes.Status503ServiceUnavailable, e.Message);
        }
    }

    private static Task Write(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new ApiError(message));
    }
}
